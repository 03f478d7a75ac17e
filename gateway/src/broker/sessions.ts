/**
 * Sessions belong to accounts. An MQTT session is found by client id only, so
 * without this any account could CONNECT with a console's client id and
 * clean=false and take its queued alerts (or, with clean=true, wipe them and
 * kick the console off). Rules, checked after the password was verified:
 *
 * - a client id that is an account id, or starts with `<account id>-`
 *   (the longest such account), is reserved for that account, from the
 *   first second after a restart: `U02-duty-wall-screen` is U02-duty's;
 * - any other id belongs to the account that first connected with it and
 *   passed the password check, for as long as its session exists: until its
 *   owner's clean connection with it ends (a clean=false session lives until
 *   then, as in aedes' in-memory persistence; a gateway restart forgets both).
 *
 * In memory, like aedes' sessions. At most `maxPerAccount` persistent ids are
 * kept per account (its oldest idle one is forgotten first), so an account
 * inventing ids cannot grow this without bound, nor evict anyone else's.
 */

export type Claim = 'ok' | 'reserved' | 'taken';

interface Binding {
  account: string;
  persistent: boolean;
  /** The connection using the id now (any object identity: the stream aedes reads). */
  live: object | null;
}

export class SessionOwners {
  private readonly bindings = new Map<string, Binding>();
  /** account → its persistent ids, oldest first */
  private readonly byAccount = new Map<string, Set<string>>();

  constructor(
    private readonly isAccount: (id: string) => boolean,
    private readonly maxPerAccount = 1_000,
  ) {}

  /** The account a client id is reserved for by its name, or null. */
  reservedFor(clientId: string): string | null {
    if (this.isAccount(clientId)) return clientId;
    for (let i = clientId.lastIndexOf('-'); i > 0; i = clientId.lastIndexOf('-', i - 1)) {
      const prefix = clientId.slice(0, i);
      if (this.isAccount(prefix)) return prefix;
    }
    return null;
  }

  /** `account` (password already checked) connects with `clientId` on `conn`. */
  claim(clientId: string, account: string, clean: boolean, conn: object): Claim {
    const reserved = this.reservedFor(clientId);
    if (reserved !== null && reserved !== account) return 'reserved';
    const b = this.bindings.get(clientId);
    if (b && b.account !== account) return 'taken';
    const persistent = !clean;
    this.bindings.set(clientId, { account, persistent, live: conn });
    const ids = this.byAccount.get(account) ?? new Set<string>();
    ids.delete(clientId);
    if (persistent) {
      ids.add(clientId);
      this.byAccount.set(account, ids);
      this.trim(ids);
    }
    return 'ok';
  }

  /**
   * The connection `conn` using `clientId` closed. `persistent`, when given,
   * is whether its session outlives it as of now (an MQTT 5 session's
   * lifetime is set after CONNECT, by its expiry interval).
   */
  release(clientId: string, conn: object, persistent?: boolean): void {
    const b = this.bindings.get(clientId);
    if (!b || b.live !== conn) return; // taken over by a newer connection of the same account
    b.live = null;
    if (persistent !== undefined && persistent !== b.persistent) {
      b.persistent = persistent;
      const ids = this.byAccount.get(b.account) ?? new Set<string>();
      if (persistent) {
        ids.add(clientId);
        this.byAccount.set(b.account, ids);
        this.trim(ids);
      } else ids.delete(clientId);
    }
    if (!b.persistent) this.bindings.delete(clientId);
  }

  owner(clientId: string): string | null {
    return this.reservedFor(clientId) ?? this.bindings.get(clientId)?.account ?? null;
  }

  get size(): number {
    return this.bindings.size;
  }

  private trim(ids: Set<string>): void {
    if (ids.size <= this.maxPerAccount) return;
    for (const id of ids) {
      if (ids.size <= this.maxPerAccount) break;
      if (this.bindings.get(id)?.live) continue;
      ids.delete(id);
      this.bindings.delete(id);
    }
  }
}
