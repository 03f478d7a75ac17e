/**
 * The source address behind the stream aedes reads. TCP and TLS sockets carry
 * it; a WebSocket stream and the MQTT 5 bridge's in-memory duplex do not, so
 * the listener that accepts them records it here (the login back-off is keyed
 * by it).
 */
const addresses = new WeakMap<object, string>();

export function rememberRemoteAddress(stream: object, address: string | null | undefined): void {
  if (address) addresses.set(stream, address);
}

export function remoteAddressOf(stream: object | null | undefined): string | null {
  if (!stream) return null;
  const known = addresses.get(stream);
  if (known) return known;
  const direct = (stream as { remoteAddress?: unknown }).remoteAddress;
  return typeof direct === 'string' ? direct : null;
}
