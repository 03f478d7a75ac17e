/**
 * What a failed write means for the exporter. Only errors that name the
 * points themselves lead to quarantine; everything else (server down, 5xx,
 * timeouts, auth, an unknown 4xx) is retried from the cursor, so a
 * misconfiguration delays data and never drops it.
 */

export type WriteErrorKind =
  /** connection refused/reset, DNS, no host available */
  | 'connection'
  | 'timeout'
  /** 5xx */
  | 'server'
  /** 401 / 403 */
  | 'auth'
  /** database / retention policy / bucket missing: run the setup again */
  | 'not_found'
  /** InfluxDB refused points of the batch (type conflict, parse error...): bisect */
  | 'bad_points'
  /** 413: split the batch */
  | 'too_large'
  /** another 4xx: retried with backoff, logged */
  | 'client';

export interface ClassifiedError {
  kind: WriteErrorKind;
  status: number | null;
  /** The server's message when it sent one, else the error's. */
  message: string;
}

/** Thrown by the exporter when node-influx cannot encode a point (schema coercion). */
export class PointEncodingError extends Error {
  override readonly name = 'PointEncodingError';
}

const POINT_ERRORS = [
  'partial write',
  'field type conflict',
  'unable to parse',
  'invalid field',
  'invalid tag',
  'invalid number',
  'invalid boolean',
  'bad timestamp',
  'beyond retention',
  'max-values-per-tag',
  'max-series-per-database',
  'dropped=',
];

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

function statusOf(err: unknown): number | null {
  if (typeof err !== 'object' || err === null || !('res' in err)) return null;
  const res = (err as { res: unknown }).res;
  if (typeof res !== 'object' || res === null || !('statusCode' in res)) return null;
  const code = (res as { statusCode: unknown }).statusCode;
  return typeof code === 'number' ? code : null;
}

function codeOf(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('code' in err)) return null;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** node-influx puts the body after "error occurred: "; InfluxDB's body is {"error": "..."}. */
function serverMessage(message: string): string {
  const idx = message.indexOf('error occurred: ');
  const body = idx >= 0 ? message.slice(idx + 'error occurred: '.length) : message;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const rec = parsed as Record<string, unknown>;
      if (typeof rec.error === 'string') return rec.error;
      if (typeof rec.message === 'string') return rec.message;
    }
  } catch {
    // not JSON: keep the text
  }
  return body.trim() || message;
}

export function classifyWriteError(err: unknown): ClassifiedError {
  const raw = err instanceof Error ? err.message : String(err);
  if (err instanceof PointEncodingError) return { kind: 'bad_points', status: null, message: raw };
  const status = statusOf(err);
  if (status !== null) {
    const message = serverMessage(raw);
    const lower = message.toLowerCase();
    if (status === 401 || status === 403) return { kind: 'auth', status, message };
    if (status === 413) return { kind: 'too_large', status, message };
    if (status >= 500) return { kind: 'server', status, message };
    if (lower.includes('not found')) return { kind: 'not_found', status, message };
    if (POINT_ERRORS.some((p) => lower.includes(p))) return { kind: 'bad_points', status, message };
    return { kind: 'client', status, message };
  }
  const code = codeOf(err);
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timed out|timeout/i.test(raw)) {
    return { kind: 'timeout', status: null, message: raw };
  }
  if ((code !== null && CONNECTION_CODES.has(code)) || /no host available|socket hang up/i.test(raw)) {
    return { kind: 'connection', status: null, message: code ? `${code}: ${raw}` : raw };
  }
  // node-influx's ServiceNotAvailableError for a 5xx carries only the status text
  if (err instanceof Error && err.constructor.name === 'ServiceNotAvailableError') {
    return { kind: 'server', status: null, message: raw };
  }
  // e.g. node-influx's ResultError: InfluxDB answered, with an error inside the results
  return { kind: 'client', status: null, message: raw };
}

/** Errors after which the server is considered unreachable (health `connected: false`). */
export function isTransport(kind: WriteErrorKind): boolean {
  return kind === 'connection' || kind === 'timeout' || kind === 'server';
}
