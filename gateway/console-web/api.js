// HTTP calls to the gateway with the logged-in account as HTTP Basic auth.

function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

export class Api {
  constructor(user, password) {
    this.auth = basic(user, password);
  }

  /** GET a JSON document; throws Error with .status on HTTP errors. */
  async get(path) {
    const res = await fetch(path, {
      headers: { authorization: this.auth, accept: 'application/json' },
      cache: 'no-store',
    });
    if (!res.ok) {
      const err = new Error(`${path}: HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }
}

/** Pull a list out of `{ key: [...] }`, a bare array, or nothing. */
export function listOf(doc, key) {
  if (Array.isArray(doc)) return doc;
  if (doc && Array.isArray(doc[key])) return doc[key];
  return [];
}
