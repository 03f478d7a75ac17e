/**
 * Password hashes for accounts: scrypt from node:crypto, stored as
 * `scrypt$N$r$p$<salt b64>$<hash b64>` so the cost can be raised later
 * without breaking existing hashes.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string | Buffer, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

export const DEFAULT_PARAMS: ScryptParams = { n: N, r: R, p: P };

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params.n, params.r, params.p);
  return `scrypt$${params.n}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The cost parameters of a stored hash (null when it is not one). */
export function hashParams(stored: string): ScryptParams | null {
  const h = parseHash(stored);
  return h ? { n: h.n, r: h.r, p: h.p } : null;
}

/**
 * A hash of a random secret with the parameters most of `stored` use:
 * checking a password against it costs what checking a real account costs,
 * and never succeeds (refusing an unknown account takes as long as a wrong
 * password, so timing does not tell which accounts exist).
 */
export function dummyHash(stored: readonly string[]): Promise<string> {
  const counts = new Map<string, { params: ScryptParams; n: number }>();
  for (const s of stored) {
    const p = hashParams(s);
    if (!p) continue;
    const k = `${p.n}$${p.r}$${p.p}`;
    const c = counts.get(k) ?? { params: p, n: 0 };
    c.n += 1;
    counts.set(k, c);
  }
  let best: { params: ScryptParams; n: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return hashPassword(randomBytes(24).toString('base64'), best?.params ?? DEFAULT_PARAMS);
}

export function isPasswordHash(s: string): boolean {
  return parseHash(s) !== null;
}

function parseHash(s: string): { n: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const parts = s.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (!Number.isInteger(n) || !Number.isInteger(r) || !Number.isInteger(p) || n < 2 || r < 1 || p < 1)
    return null;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || key.length !== KEYLEN) return null;
  return { n, r, p, salt, key };
}

export async function verifyPassword(password: string | Buffer, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.n, h.r, h.p);
  return timingSafeEqual(key, h.key);
}

/**
 * scrypt is deliberately slow (~40 ms); thousands of devices reconnecting
 * after a gateway restart would queue for minutes. After one successful
 * verification we remember a SHA-256 of (hash, password) so the next CONNECT
 * with the same credentials costs microseconds. Changing the hash in the
 * config invalidates the entry; wrong passwords never enter the cache.
 */
export class PasswordVerifier {
  private readonly verified = new Map<string, Buffer>();

  /** True when exactly these credentials were verified before (microseconds, no scrypt). */
  known(account: string, password: string | Buffer, stored: string): boolean {
    const known = this.verified.get(account);
    if (!known) return false;
    const digest = this.digest(password, stored);
    return known.length === digest.length && timingSafeEqual(known, digest);
  }

  async verify(account: string, password: string | Buffer, stored: string): Promise<boolean> {
    if (this.known(account, password, stored)) return true;
    const ok = await verifyPassword(password, stored);
    if (ok) this.verified.set(account, this.digest(password, stored));
    return ok;
  }

  private digest(password: string | Buffer, stored: string): Buffer {
    return createHash('sha256').update(stored).update('\0').update(password).digest();
  }
}
