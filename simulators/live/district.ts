/**
 * A living district for demos: every MQTT device of the site connected and
 * heartbeating from the first second, every walkable route toured again
 * and again at `speed` times a guard's pace (always inside the route's
 * maxDuration, so tours complete), the roll-call terminals answering with
 * their unit's guards, and now and then a panic that a neighbouring duty
 * room acknowledges and later resolves, as a duty room would. Runs until
 * stop(); unlike the scenario (scenario/) it plans no faults.
 *
 * Nothing here is timed by simulated time: the gateway judges tours,
 * heartbeats and acknowledgements on its own clock, so `speed` only shortens
 * the walk between checkpoints and the time between panics.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceConfig } from '../../gateway/src/config/schema.js';
import { parseDuration } from '../../gateway/src/config/schema.js';
import type { Site } from '../../gateway/src/config/site.js';
import { topics } from '../../gateway/src/topics.js';
import { clockSeq, type DeviceSim, type LinkOptions } from '../devices/base.js';
import { PanicButtonSim } from '../devices/panic.js';
import { ReaderSim } from '../devices/reader.js';
import { RollcallTerminalSim } from '../devices/rollcall.js';
import { jsonRecord } from '../json.js';
import { createRng, type Rng } from '../prng.js';
import { mqttDevices } from '../scenario/plan.js';
import { walkOf, walkTiming } from '../scenario/walk.js';

export interface LiveOptions {
  site: Site;
  /** Gateway MQTT URL. */
  url: string;
  /** Password of every account the district uses (devices, duty consoles). */
  password: string;
  /** How many times faster than a guard the routes are walked (default 8: a 40-minute round in ~4 min). */
  speed?: number;
  /** Mean real time between panics at speed 1, ms (default 40 min: every ~5 min at speed 8); 0: none. */
  panicEveryMs?: number;
  seed?: number | string;
  log?: (line: string) => void;
}

export interface LiveStats {
  devices: number;
  /** Devices heartbeating (connected, or reconnecting with their beats queued). */
  beating: number;
  heartbeats: number;
  taps: number;
  tours: number;
  panics: number;
  acks: number;
  resolves: number;
  rollcallAnswers: number;
  errors: number;
  lastError: string | null;
  notes: string[];
}

/** Unsupervised devices still beat, so every device shows as live. */
const DEFAULT_BEAT_MS = 30_000;

export class LiveDistrict {
  private readonly sims = new Map<string, DeviceSim>();
  private readonly consoles = new Map<string, Promise<MqttClient>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rng: Rng;
  private readonly speed: number;
  private readonly log: (line: string) => void;
  private stopped = false;
  private readonly s: LiveStats = {
    devices: 0,
    beating: 0,
    heartbeats: 0,
    taps: 0,
    tours: 0,
    panics: 0,
    acks: 0,
    resolves: 0,
    rollcallAnswers: 0,
    errors: 0,
    lastError: null,
    notes: [],
  };

  private constructor(private readonly o: LiveOptions) {
    this.rng = createRng(o.seed ?? clockSeq());
    this.speed = Math.max(1, o.speed ?? 8);
    this.log = o.log ?? ((): void => undefined);
  }

  /** Connects every device (heartbeats start at once), then starts the tours and the panics. */
  static async start(o: LiveOptions): Promise<LiveDistrict> {
    const d = new LiveDistrict(o);
    await d.connectAll();
    d.startTours();
    d.schedulePanic();
    return d;
  }

  stats(): LiveStats {
    let heartbeats = 0;
    let beating = 0;
    for (const sim of this.sims.values()) {
      heartbeats += sim.sent.heartbeat ?? 0;
      if (sim.heartbeating) beating++;
    }
    return { ...this.s, heartbeats, beating, notes: [...this.s.notes] };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.sims.values()].map((s) => s.close().catch(() => undefined)));
    const consoles = await Promise.allSettled(this.consoles.values());
    await Promise.all(
      consoles.map((c) =>
        c.status === 'fulfilled' ? c.value.endAsync().catch(() => undefined) : Promise.resolve(),
      ),
    );
  }

  private async connectAll(): Promise<void> {
    const { site } = this.o;
    const usable = mqttDevices(site);
    const devices = site.config.devices.filter((d) => usable.has(d.id));
    this.s.devices = devices.length;
    // four at a time: each login costs the gateway one scrypt (on libuv's four threads), and more
    // logins in flight from one address than its free allowance would be slowed (auth/guard.ts)
    for (let i = 0; i < devices.length && !this.stopped; i += 4) {
      await Promise.all(devices.slice(i, i + 4).map((d) => this.open(d)));
    }
    this.log(`demo district live: ${this.sims.size} devices connected and heartbeating`);
  }

  private async open(d: DeviceConfig): Promise<void> {
    const link: LinkOptions = {
      via: 'mqtt',
      url: this.o.url,
      device: d.id,
      password: this.o.password,
      reconnect: true,
    };
    const opts = { startSeq: clockSeq() };
    let sim: DeviceSim;
    try {
      if (d.kind === 'panic') sim = await PanicButtonSim.open(link, opts);
      else if (d.kind === 'reader') sim = await ReaderSim.open(link, opts);
      else if (d.kind === 'rollcall') sim = await this.openTerminal(link, d, opts.startSeq);
      else {
        this.s.notes.push(`${d.id}: no simulator for kind ${d.kind}`);
        return;
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    const configured = this.o.site.heartbeatMs(d.id);
    sim.startHeartbeat(configured !== null ? Math.max(1000, configured / 2) : DEFAULT_BEAT_MS);
    this.sims.set(d.id, sim);
  }

  /** Every roll call is answered by the unit's guards, spread over the first half of the window. */
  private openTerminal(link: LinkOptions, d: DeviceConfig, startSeq: number): Promise<RollcallTerminalSim> {
    const cards = this.o.site.guardsOfUnit(d.unit).map((g) => g.card);
    return RollcallTerminalSim.open(link, {
      startSeq,
      answers: (command) => {
        const spanMs = Math.max(500, (command.deadline - Date.now()) / 2);
        this.s.rollcallAnswers += cards.length;
        return cards.map((uid) => ({ uid, afterMs: Math.round(this.rng.between(200, spanMs)) }));
      },
    });
  }

  private startTours(): void {
    const { site } = this.o;
    const usable = new Set(this.sims.keys());
    for (const route of site.config.routes) {
      if (!walkOf(site, route, usable, this.rng).ok) {
        this.s.notes.push(`route ${route.id}: no simulated reader can walk it`);
        continue;
      }
      // routes start spread over the first half minute (at speed 8; sooner when faster)
      this.later(this.rng.between(500, (30_000 * 8) / this.speed), () => this.walk(route.id));
    }
  }

  /** One round of a route, then a pause, then the next. */
  private walk(routeId: string): void {
    const { site } = this.o;
    const route = site.routes.get(routeId);
    if (!route || this.stopped) return;
    const walk = walkOf(site, route, new Set(this.sims.keys()), this.rng);
    if (!walk.ok) return;
    const maxMs = parseDuration(route.maxDuration);
    const { offsets } = walkTiming('normal', walk.steps.length, maxMs, this.rng);
    let last = 0;
    walk.steps.forEach((step, i) => {
      const at = (offsets[i] ?? 0) / this.speed;
      last = Math.max(last, at);
      this.later(at, () => {
        const reader = this.sims.get(step.device);
        if (!(reader instanceof ReaderSim)) return;
        reader.tap(step.uid).then(
          () => {
            this.s.taps++;
            if (i === walk.steps.length - 1) this.s.tours++;
          },
          (err: unknown) => this.fail(err),
        );
      });
    });
    // the next round after a break of 2–8 minutes at a guard's pace
    this.later(last + this.rng.between(120_000, 480_000) / this.speed, () => this.walk(routeId));
  }

  private schedulePanic(): void {
    const mean = this.o.panicEveryMs ?? 40 * 60_000;
    if (mean <= 0) return;
    const real = mean / this.speed;
    this.later(this.rng.between(0.5 * real, 1.5 * real), () => {
      void this.panic();
      this.schedulePanic();
    });
  }

  /** A press and release; a duty room of a neighbour acknowledges, later resolves. */
  private async panic(): Promise<void> {
    const buttons = [...this.sims.values()].filter((s): s is PanicButtonSim => s instanceof PanicButtonSim);
    if (buttons.length === 0) return;
    const button = this.rng.pick(buttons);
    const unit = this.o.site.devices.get(button.id)?.unit ?? '';
    try {
      const responder = await this.dutyRoom(unit);
      if (responder) this.respond(responder.client, responder.unit, button.id, unit);
      await button.press();
      this.s.panics++;
      this.later(3000, () => void button.release().catch((err: unknown) => this.fail(err)));
    } catch (err) {
      this.fail(err);
    }
  }

  /** A neighbour's duty console (else the unit's own), connected once and kept. */
  private async dutyRoom(unit: string): Promise<{ client: MqttClient; unit: string } | null> {
    const candidates = [...(this.o.site.neighbours.get(unit) ?? []), unit];
    for (const u of candidates) {
      const client = await this.consoleOf(u);
      if (client) return { client, unit: u };
    }
    return null;
  }

  /** The duty console of a unit, connected once and kept; null when the unit has none. */
  private async consoleOf(unit: string): Promise<MqttClient | null> {
    const account = this.o.site.config.consoles.find((c) => c.unit === unit && c.password_hash);
    if (!account) return null;
    let client = this.consoles.get(account.id);
    if (!client) {
      client = mqtt.connectAsync(this.o.url, {
        username: account.id,
        password: this.o.password,
        clientId: `${account.id}-demo-${this.rng.int(0, 0xffffff).toString(16)}`,
        reconnectPeriod: 1000,
      });
      this.consoles.set(account.id, client);
      (await client).subscribe(topics.unitAlert(unit), { qos: 1 });
    }
    return client;
  }

  /**
   * Acknowledge the panic of `device` 10–18 s after it is raised (before the zone's ackTimeout);
   * a minute later its own unit's duty room resolves it (only the origin unit or an admin may).
   */
  private respond(client: MqttClient, unit: string, device: string, origin: string): void {
    const onMessage = (topic: string, payload: Buffer): void => {
      if (topic !== topics.unitAlert(unit)) return;
      const a = jsonRecord(payload);
      if (a?.kind !== 'panic' || a.device !== device || a.state !== 'raised') return;
      client.off('message', onMessage);
      const id = String(a.id);
      const ack = Math.min(this.rng.between(10_000, 18_000), this.ackTimeoutMs(unit) * 0.6);
      this.later(ack, () => {
        client.publish(topics.unitAck(unit), JSON.stringify({ id }), { qos: 1 }, (err) => {
          if (err) this.fail(err);
          else this.s.acks++;
        });
        this.later(this.rng.between(40_000, 90_000), () => {
          this.consoleOf(origin).then(
            (own) =>
              own?.publish(topics.unitResolve(origin), JSON.stringify({ id }), { qos: 1 }, (err) => {
                if (err) this.fail(err);
                else this.s.resolves++;
              }),
            (err: unknown) => this.fail(err),
          );
        });
      });
    };
    client.on('message', onMessage);
    // a panic whose alert never came (refused, gateway restarting): stop listening
    this.later(60_000, () => client.off('message', onMessage));
  }

  private ackTimeoutMs(unit: string): number {
    const zone = this.o.site.zones.get(this.o.site.units.get(unit)?.zone ?? '');
    return zone?.ackTimeout ? parseDuration(zone.ackTimeout) : 60_000;
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private fail(err: unknown): void {
    this.s.errors++;
    this.s.lastError = err instanceof Error ? err.message : String(err);
  }
}
