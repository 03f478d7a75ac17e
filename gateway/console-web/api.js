// HTTP calls to the gateway with the logged-in account as HTTP Basic auth.
// Failures become an ApiError carrying the status (and the gateway's `code`
// when it sends one): the page words them itself (i18n errorText).

/** @param {string} user @param {string} password */
function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

export class ApiError extends Error {
  /** @param {string} message @param {number} status 0: no answer @param {string | undefined} code */
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** @param {string} user @param {string} password */
  constructor(user, password) {
    this.auth = basic(user, password);
  }

  /**
   * GET a JSON document; throws ApiError on HTTP and network errors.
   * @param {string} path
   * @returns {Promise<any>}
   */
  async get(path) {
    let res;
    try {
      res = await fetch(path, {
        headers: { authorization: this.auth, accept: 'application/json' },
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(`${path}: ${err instanceof Error ? err.message : 'network'}`, 0, undefined);
    }
    if (!res.ok) {
      /** @type {string | undefined} */
      let code;
      try {
        const body = await res.json();
        if (body && typeof body.code === 'string') code = body.code;
      } catch {
        // not JSON: the status says enough
      }
      throw new ApiError(`${path}: HTTP ${res.status}`, res.status, code);
    }
    return res.json();
  }
}

/**
 * Pull a list out of `{ key: [...] }`, a bare array, or nothing.
 * The caller names what the list holds (the API's documented shape); nothing is checked here.
 * @template T
 * @param {unknown} doc
 * @param {string} key
 * @returns {T[]}
 */
export function listOf(doc, key) {
  if (Array.isArray(doc)) return doc;
  const list = doc && typeof doc === 'object' ? /** @type {Record<string, unknown>} */ (doc)[key] : null;
  return Array.isArray(list) ? /** @type {T[]} */ (list) : [];
}
