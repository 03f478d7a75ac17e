/**
 * The `uplink` extension (integrations.md §2, docs/city.md): forwards the
 * district's alert state changes and normalised events to the city's MQTT
 * broker, store and forward. It follows the journal with the durable cursor
 * `uplink` (journal/follower.ts) and commits it only after the upstream
 * PUBACK of every message of a batch (sender.ts, bounded window), so a WAN
 * outage or a restart delays messages and never drops them, in order per
 * district, each with its `jseq`.
 *
 * Commands from the city (`{prefix}/ops/rollcall`, `{prefix}/ops/alert`)
 * are applied as an admin operator's publish when `accept` lists them
 * (downstream.ts), at most 10 at once and 10 a minute; everything else is
 * refused, counted and logged (at most 10 lines per 10 s, then a count).
 *
 * After every connect, before any batch, the district's names go up as the
 * retained `{prefix}/site` (directory.ts) for the city wall, and the
 * retained open alerts are reconciled (open.ts); after each batch's v1
 * messages are acknowledged, its alerts' states go up retained, then the
 * cursor is committed.
 *
 * Nothing here runs on the path of a local panic: reads are bounded batches,
 * publishes are asynchronous and bounded by the window, the socket to the
 * city is the only thing a stalled WAN can hold.
 */
import type { Logger } from 'pino';
import { TokenBuckets } from '../ingest/limits.js';
import { JournalFollower } from '../journal/follower.js';
import type { AlertPayload } from '../model/alert.js';
import type { Extension, GatewayContext } from '../ports.js';
import { cityTopics } from '../topics.js';
import { directoryPayload } from './directory.js';
import { decodeDownstream } from './downstream.js';
import { LinkClosedError, UplinkLink } from './link.js';
import { type ForwardRules, toUplinkMessages } from './messages.js';
import { createUplinkMetrics, type UplinkMetrics } from './metrics.js';
import { OpenSet } from './open.js';
import { type UplinkOptions, uplinkOptions } from './options.js';
import type { UplinkConfig } from './schema.js';
import { sendBatch } from './sender.js';

export const UPLINK_CURSOR = 'uplink';
/** Who the journal names for commands from the city. */
export const CITY_OPERATOR = 'city';
const BATCH = 2000;
const COMMAND_BURST = 10;
const COMMANDS_PER_MINUTE = 10;
const REFUSAL_LOG_MS = 10_000;
const REFUSAL_LOG_LINES = 10;
/**
 * A broker that refuses the directory (ACL) may close the link for it
 * (Mosquitto does over MQTT 5): it is tried again only after this long, so
 * the refusal never turns into a reconnect loop that starves the batches.
 */
const DIRECTORY_RETRY_MS = 3600_000;

export interface UplinkHealth extends Record<string, unknown> {
  enabled: true;
  ok: boolean;
  state: string;
  connected: boolean;
  url: string;
  clientId: string;
  prefix: string;
  backlog: { entries: number; oldestAgeMs: number };
  inFlight: number;
  window: number;
  forwarded: number;
  lastError: string | null;
  /** Commands from the city: applied, refused (not acceptable), throttled (over the rate). */
  downstream: { applied: number; refused: number; throttled: number };
}

export interface UplinkExtension extends Extension {
  health(): UplinkHealth;
  /** Resolves when every journal entry up to `seq` (default: the last one now) is acknowledged upstream. */
  drained(seq?: number, timeoutMs?: number): Promise<boolean>;
}

export function createUplinkExtension(
  config: UplinkConfig,
  env: Record<string, string | undefined> = process.env,
): UplinkExtension {
  return new Uplink(config, env);
}

class Uplink implements UplinkExtension {
  readonly name = 'uplink';
  private options: UplinkOptions | null = null;
  private ctx: GatewayContext | null = null;
  private log: Logger | null = null;
  private link: UplinkLink | null = null;
  private follower: JournalFollower | null = null;
  private metrics: UplinkMetrics | null = null;
  /** One bucket (key "city"): COMMAND_BURST at once, refilled at COMMANDS_PER_MINUTE. */
  private budget = new TokenBuckets({ perSecond: COMMANDS_PER_MINUTE / 60, burst: COMMAND_BURST }, 1);
  private forwarded = 0;
  private applied = 0;
  private refused = 0;
  private throttled = 0;
  private refusalLog = { at: 0, logged: 0, suppressed: 0 };
  /** The link's connect count the directory was last sent on. */
  private directorySentOn = 0;
  /** After a refusal: not before this time. */
  private directoryHoldUntil = 0;
  private open: OpenSet | null = null;
  /** Aborts a reconcile (it runs in ready(), which has no signal of its own). */
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: UplinkConfig,
    private readonly env: Record<string, string | undefined>,
  ) {}

  async start(ctx: GatewayContext): Promise<void> {
    const siteId = ctx.site.config.site.id;
    const o = uplinkOptions(this.config, siteId, this.env);
    this.options = o;
    this.ctx = ctx;
    const log = ctx.logger.child({ ext: 'uplink' });
    this.log = log;
    this.metrics = createUplinkMetrics(ctx.metrics, {
      backlog: () => this.backlog(),
      connected: () => this.link?.connected ?? false,
      inFlight: () => this.link?.inFlight ?? 0,
    });
    if (o.problem !== null) {
      log.error({ problem: o.problem }, 'city uplink not started; the journal keeps everything for later');
      return;
    }
    const link = new UplinkLink({
      url: o.url,
      username: o.username,
      password: o.password,
      clientId: o.clientId,
      protocolVersion: o.protocolVersion,
      ca: o.ca,
      subscribe: o.accept.size > 0 ? [cityTopics.opsFilter(o.prefix)] : [],
      ackTimeoutMs: o.ackTimeoutMs,
      backoff: { baseMs: Math.min(1000, o.reconnectMaxMs), maxMs: o.reconnectMaxMs },
      log,
      onMessage: (topic, payload, retain) => {
        if (!this.open?.take(topic, retain)) this.command(topic, payload, retain);
      },
      onConnect: () => {
        this.metrics?.reconnects.inc();
        this.follower?.poke();
      },
    });
    this.link = link;
    const directory = directoryPayload(ctx.site);
    const open = o.alerts
      ? new OpenSet({
          link,
          prefix: o.prefix,
          window: o.window,
          log,
          openAlerts: () => ctx.queries.alerts({ state: 'open' }) as AlertPayload[],
          journal: ctx.journal,
        })
      : null;
    this.open = open;
    const rules: ForwardRules = {
      prefix: o.prefix,
      alerts: o.alerts,
      events: o.events,
      eventKinds: o.eventKinds,
    };
    this.follower = new JournalFollower({
      journal: ctx.journal,
      cursor: UPLINK_CURSOR,
      onCommitted: (listener) => ctx.onCommitted(listener),
      batchSize: BATCH,
      // runs before each batch, in turn with them: the directory never adds to the window
      ready: async () => {
        if (!o.alerts) return;
        await this.sendDirectory(link, o.prefix, directory);
        await open?.reconcile(this.stopping.signal);
      },
      deliver: async ({ entries }, { signal }) => {
        const messages = toUplinkMessages(entries, rules);
        await sendBatch(link, messages, o.window, signal, (n) => {
          this.forwarded += n;
          this.metrics?.forwarded.inc(n);
        });
        // after the v1 messages, before the cursor commit: journal order at the city
        await open?.sendStates(entries, signal);
        return undefined;
      },
      onError: (err, { previous }) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== previous)
          log.warn({ error: message }, 'city uplink round failed; retrying from the cursor');
        return message;
      },
      onGap: (gap) => {
        if (gap.hadCursor)
          log.error(
            { cursor: gap.cursor, firstRetained: gap.first, lost: gap.missing },
            'journal retention deleted entries before they reached the city: they are lost to the city',
          );
        else
          log.info({ firstRetained: gap.first }, 'city uplink starts at the oldest retained journal entry');
      },
    });
    log.info(
      { url: o.url, clientId: o.clientId, prefix: o.prefix, accept: [...o.accept], window: o.window },
      'city uplink starting',
    );
    link.start();
    this.follower.start();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const finished = (await this.follower?.stop()) ?? true;
    if (!finished) this.log?.warn('city uplink stopped with a batch in flight; it is re-sent at next start');
    await this.link?.stop();
  }

  health(): UplinkHealth {
    const o = this.options;
    const link = this.link;
    const status = this.follower?.status();
    const lastError = o?.problem ?? link?.lastError ?? status?.lastError ?? null;
    const connected = link?.connected ?? false;
    return {
      enabled: true,
      ok: connected && (o?.problem ?? null) === null,
      state: o?.problem ? 'misconfigured' : (link?.state ?? 'stopped'),
      connected,
      url: o?.url ?? this.config.url,
      clientId: o?.clientId ?? '',
      prefix: o?.prefix ?? '',
      backlog: this.backlog(),
      inFlight: link?.inFlight ?? 0,
      window: o?.window ?? this.config.window,
      forwarded: this.forwarded,
      lastError,
      downstream: { applied: this.applied, refused: this.refused, throttled: this.throttled },
    };
  }

  drained(seq?: number, timeoutMs = 30_000): Promise<boolean> {
    return this.follower ? this.follower.drained(seq, timeoutMs) : Promise.resolve(false);
  }

  /** The retained directory, once per connection; after a refusal (ACL), logged, not again for an hour. */
  private async sendDirectory(link: UplinkLink, prefix: string, body: Buffer): Promise<void> {
    const connect = link.connectCount;
    if (!link.connected || connect === this.directorySentOn || Date.now() < this.directoryHoldUntil) return;
    this.directorySentOn = connect;
    try {
      await link.publish(cityTopics.site(prefix), body, true);
    } catch (err) {
      if (err instanceof LinkClosedError) return; // sent on the next connection
      this.directoryHoldUntil = Date.now() + DIRECTORY_RETRY_MS;
      this.open?.suspend();
      this.log?.warn(
        { topic: cityTopics.site(prefix), error: err instanceof Error ? err.message : String(err) },
        'the city broker refused the district directory (names for the city wall); tried again in an hour; see docs/city.md for the ACL',
      );
    }
  }

  private backlog(): { entries: number; oldestAgeMs: number } {
    if (this.follower) return this.follower.backlog();
    // misconfigured: everything after the cursor waits
    const journal = this.ctx?.journal;
    if (!journal) return { entries: 0, oldestAgeMs: 0 };
    try {
      const oldest = journal.readAfter(journal.getCursor(UPLINK_CURSOR), 1)[0];
      return oldest
        ? { entries: journal.lastSeq() - oldest.seq + 1, oldestAgeMs: Math.max(0, Date.now() - oldest.at) }
        : { entries: 0, oldestAgeMs: 0 };
    } catch {
      return { entries: 0, oldestAgeMs: 0 };
    }
  }

  // ------------------------------------------------------------ downstream

  private command(topic: string, payload: Buffer, retain: boolean): void {
    const ctx = this.ctx;
    const o = this.options;
    if (!ctx || !o) return;
    const v = decodeDownstream(topic, payload, retain, {
      prefix: o.prefix,
      accept: o.accept,
      site: ctx.site,
      by: CITY_OPERATOR,
    });
    if (!v.ok) {
      this.refuse(topic, v.reason, 'refused');
      return;
    }
    if (!this.budget.take(CITY_OPERATOR, Date.now())) {
      this.refuse(topic, `more than ${COMMANDS_PER_MINUTE} commands a minute from the city`, 'throttled');
      return;
    }
    ctx.ingest.operate(v.input).then(
      () => {
        this.applied += 1;
        this.metrics?.downstream.inc({ result: 'applied' });
        this.log?.info({ command: v.what, input: v.input }, 'command from the city applied');
      },
      (err: unknown) => this.refuse(topic, err instanceof Error ? err.message : String(err), 'refused'),
    );
  }

  private refuse(topic: string, reason: string, result: 'refused' | 'throttled'): void {
    if (result === 'throttled') this.throttled += 1;
    else this.refused += 1;
    this.metrics?.downstream.inc({ result });
    const now = Date.now();
    if (now - this.refusalLog.at >= REFUSAL_LOG_MS) this.refusalLog = { at: now, logged: 0, suppressed: 0 };
    if (this.refusalLog.logged >= REFUSAL_LOG_LINES) {
      this.refusalLog.suppressed += 1;
      return;
    }
    this.refusalLog.logged += 1;
    const suppressed = this.refusalLog.suppressed;
    this.refusalLog.suppressed = 0;
    const shown = topic.length > 200 ? `${topic.slice(0, 200)}…` : topic;
    this.log?.warn({ topic: shown, reason, suppressedBefore: suppressed }, 'command from the city refused');
  }
}
