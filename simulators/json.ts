/** What a simulator reads back from the gateway: a JSON object, or null for anything else. Never throws. */
export function jsonRecord(payload: Buffer): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
