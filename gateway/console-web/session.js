// The MQTT session a console page keeps with its broker: one client id per account and browser
// (kept across reloads, so the broker keeps the session and its queued alerts) and the same
// connect options for the duty-room console and the city wall.

/**
 * @param {string} user
 * @param {string} storageKey localStorage key holding the id
 * @param {string} tag what kind of page the id names (`web`, `wall`)
 */
export function clientIdFor(user, storageKey, tag) {
  let id = localStorage.getItem(storageKey);
  if (!id) {
    const rand = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    id = `${user}-${tag}-${rand}`;
    localStorage.setItem(storageKey, id);
  }
  return id;
}

/**
 * Connect options: a persistent session, MQTT 3.1.1, reconnect every 2 s.
 * @param {string} user
 * @param {string} password
 * @param {string} clientId
 */
export function sessionOptions(user, password, clientId) {
  return {
    username: user,
    password,
    clientId,
    clean: false,
    protocolVersion: /** @type {4} */ (4),
    keepalive: 20,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    resubscribe: true,
  };
}
