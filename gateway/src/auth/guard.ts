/**
 * The one place a password is checked (MQTT CONNECT on every transport, HTTP
 * Basic for /api, the console and /bulletin), so every way in shares one
 * back-off (broker/throttle.ts: by account and by source address) and one
 * verifier cache. Refusals cost the same whatever the reason: an unknown
 * account, an account without a password or an empty password is checked
 * against a dummy hash made at start with the site's scrypt parameters, so
 * neither the answer nor its timing tells which accounts exist.
 *
 * Credentials verified before (since start) are let through at once, even
 * from a hot address: the cache holds only correct passwords, so skipping
 * the wait teaches an attacker nothing, and a panic button behind an address
 * someone else is hammering still reconnects without delay.
 */
import type { Counter } from 'prom-client';
import {
  accountKey,
  addressKey,
  type Booking,
  FailureThrottle,
  type ThrottleOptions,
} from '../broker/throttle.js';
import { parseDuration, type SiteConfig } from '../config/schema.js';
import type { Account, Site } from '../config/site.js';
import { dummyHash, PasswordVerifier, verifyPassword } from './password.js';

export type LoginTransport = 'mqtt' | 'http' | 'nodered';

/** The reason label of guardpost_auth_failures_total: a fixed set, never an id. */
export type LoginFailure =
  /** unknown account, wrong or empty password, no password, an account that may not log in this way */
  | 'bad_credentials'
  | 'anonymous'
  /** refused unchecked: the back-off slot was more than maxMs away */
  | 'throttled'
  /** the password was right but the client id belongs to another account (or was empty with clean=false) */
  | 'client_id'
  | 'error';

export interface LoginAttempt {
  transport: LoginTransport;
  username: string | null | undefined;
  password: string | Buffer | null | undefined;
  /** The source address (throttled by it too); null when unknown. */
  address: string | null | undefined;
  /** Accounts that may log in this way (HTTP: no devices); the others are refused like a wrong password. */
  accepts?: (account: Account) => boolean;
  /** false once the asker is gone (the connection closed while waiting): then no scrypt is spent. */
  stillWanted?: () => boolean;
}

export type LoginOutcome =
  | { ok: true; account: Account }
  | { ok: false; reason: Exclude<LoginFailure, 'client_id' | 'error'>; detail: string };

export interface LoginGuardDeps {
  site: Site;
  /** guardpost_auth_failures_total (optional in component tests). */
  failures?: Counter<'transport' | 'reason'>;
  throttle?: Partial<ThrottleOptions>;
  now?: () => number;
}

export class LoginGuard {
  readonly throttle: FailureThrottle;
  private readonly verifier = new PasswordVerifier();
  private readonly now: () => number;

  private constructor(
    private readonly deps: LoginGuardDeps,
    private readonly dummy: string,
  ) {
    this.throttle = new FailureThrottle(deps.throttle);
    this.now = deps.now ?? Date.now;
  }

  static async create(deps: LoginGuardDeps): Promise<LoginGuard> {
    const hashes = [...deps.site.accounts.values()].flatMap((a) => (a.passwordHash ? [a.passwordHash] : []));
    return new LoginGuard(deps, await dummyHash(hashes));
  }

  async login(a: LoginAttempt): Promise<LoginOutcome> {
    const addr = addressKey(a.address);
    const user = a.username ?? '';
    const keys = user ? [accountKey(user)] : [];
    if (addr) keys.push(addr);
    const account = user ? this.deps.site.accounts.get(user) : undefined;
    const password = a.password ?? '';
    const hash = account?.passwordHash;
    const eligible = account && hash && password.length > 0 && (a.accepts?.(account) ?? true) ? hash : null;
    if (account && eligible && this.verifier.known(account.id, password, eligible)) {
      this.throttle.reset([accountKey(user)]);
      return { ok: true, account };
    }
    const booking = this.throttle.book(keys, this.now());
    if (!booking) return this.fail(a.transport, 'throttled', 'too many failures: refused unchecked');
    if (booking.waitMs > 0) await sleep(booking.waitMs);
    if (a.stillWanted && !a.stillWanted()) {
      this.throttle.failed(booking); // still a failure for the back-off; nobody to answer, nothing counted
      return { ok: false, reason: 'bad_credentials', detail: 'gone while waiting' };
    }
    if (!user) {
      this.throttle.failed(booking);
      return this.fail(a.transport, 'anonymous', 'anonymous logins are refused');
    }
    return this.check(a, booking, account, eligible, password);
  }

  /** Count a refusal decided elsewhere (client id ownership, errors, Node-RED's child). */
  refused(transport: LoginTransport, reason: LoginFailure): void {
    this.deps.failures?.inc({ transport, reason });
  }

  private async check(
    a: LoginAttempt,
    booking: Booking,
    account: Account | undefined,
    eligible: string | null,
    password: string | Buffer,
  ): Promise<LoginOutcome> {
    let ok: boolean;
    try {
      ok =
        account && eligible
          ? await this.verifier.verify(account.id, password, eligible)
          : await verifyPassword(password, this.dummy).then(() => false);
    } catch (err) {
      this.throttle.failed(booking); // settled, or its keys would count it in flight forever
      throw err;
    }
    if (ok && account) {
      this.throttle.succeeded(booking, [accountKey(account.id)]);
      return { ok: true, account };
    }
    this.throttle.failed(booking);
    const detail = !account
      ? 'unknown account'
      : !account.passwordHash
        ? 'account has no password (serial-only device?)'
        : password.length === 0
          ? 'missing password'
          : !eligible
            ? `a ${account.kind} account may not log in over ${a.transport}`
            : 'wrong password';
    return this.fail(a.transport, 'bad_credentials', detail);
  }

  private fail(
    transport: LoginTransport,
    reason: Exclude<LoginFailure, 'client_id' | 'error'>,
    detail: string,
  ): LoginOutcome {
    this.refused(transport, reason);
    return { ok: false, reason, detail };
  }
}

type ThrottleConfig = NonNullable<NonNullable<NonNullable<SiteConfig['gateway']>['auth']>['throttle']>;

/** `gateway.auth.throttle` from the site config; unset keys keep the defaults. */
export function throttleOptionsFrom(cfg: ThrottleConfig | undefined): Partial<ThrottleOptions> {
  if (!cfg) return {};
  return {
    ...(cfg.free !== undefined ? { free: cfg.free } : {}),
    ...(cfg.addressFree !== undefined ? { addressFree: cfg.addressFree } : {}),
    ...(cfg.base ? { baseMs: parseDuration(cfg.base) } : {}),
    ...(cfg.max ? { maxMs: parseDuration(cfg.max) } : {}),
    ...(cfg.window ? { windowMs: parseDuration(cfg.window) } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
