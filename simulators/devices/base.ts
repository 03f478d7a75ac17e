/**
 * What every simulated device shares: its link, a per-device `seq` counter
 * (uint32, wraps) and RFC 3339 timestamps from the real clock (the gateway
 * replaces a `ts` more than 5 minutes off its own clock, so simulated time
 * never goes on the wire).
 */
import type { DeviceMessage } from '../../gateway/src/model/event.js';
import {
  connectMqttLink,
  type DeviceLink,
  type MqttLinkOptions,
  openSerialLink,
  type SerialLinkOptions,
} from '../link.js';

export type LinkOptions = ({ via: 'mqtt' } & MqttLinkOptions) | ({ via: 'serial' } & SerialLinkOptions);

export function openLink(opts: LinkOptions): Promise<DeviceLink> {
  if (opts.via === 'mqtt') {
    const { via: _via, ...mqttOpts } = opts;
    return connectMqttLink(mqttOpts);
  }
  const { via: _via, ...serialOpts } = opts;
  return openSerialLink(serialOpts);
}

export interface DeviceSimOptions {
  /** First seq to use (default 1). */
  startSeq?: number;
  /** Wall clock, epoch ms (tests may pin it). */
  now?: () => number;
}

const UINT32 = 4_294_967_296;

/**
 * A first seq from the clock (ms, mod 2^32). The gateway drops a repeat of
 * (device, seq) within 10 minutes as a duplicate, so a simulator restarted
 * at seq 1 would be ignored; starting from the clock keeps reruns apart.
 */
export function clockSeq(now: number = Date.now()): number {
  return Math.floor(now) % UINT32;
}

/** What a heartbeat reports (protocol §1.1: all optional). */
export interface DeviceHealth {
  battery: number | null;
  rssi: number | null;
  tamper: boolean | null;
}

export class DeviceSim {
  private seq: number;
  private readonly now: () => number;
  /** Messages sent, by kind. */
  readonly sent: Record<string, number> = {};
  health: DeviceHealth = { battery: 97, rssi: -61, tamper: false };
  /** Last error of a timer-driven send (a timer must not throw). */
  lastError: Error | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly link: DeviceLink,
    opts: DeviceSimOptions = {},
  ) {
    this.seq = (opts.startSeq ?? 1) % UINT32;
    this.now = opts.now ?? Date.now;
  }

  get id(): string {
    return this.link.device;
  }

  /** The next seq (then advances; wraps at 2^32). */
  protected nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % UINT32;
    return s;
  }

  protected ts(): string {
    return new Date(this.now()).toISOString();
  }

  protected async emit(msg: DeviceMessage): Promise<DeviceMessage> {
    await this.link.send(msg);
    this.sent[msg.kind] = (this.sent[msg.kind] ?? 0) + 1;
    return msg;
  }

  /** One heartbeat; `health` fields given here are kept for later beats. */
  heartbeat(health: Partial<DeviceHealth> = {}): Promise<DeviceMessage> {
    this.health = { ...this.health, ...health };
    return this.emit({
      kind: 'heartbeat',
      device: this.id,
      ...this.health,
      seq: this.nextSeq(),
      ts: this.ts(),
    });
  }

  /** Heartbeat now and every `intervalMs` until stopHeartbeat() or close(). */
  startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    const beat = (): void => {
      this.heartbeat().catch((err: unknown) => {
        this.lastError = err instanceof Error ? err : new Error(String(err));
      });
    };
    beat();
    this.heartbeatTimer = setInterval(beat, intervalMs);
  }

  stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  get heartbeating(): boolean {
    return this.heartbeatTimer !== null;
  }

  close(): Promise<void> {
    this.stopHeartbeat();
    return this.link.close();
  }

  /** Vanish without a goodbye: over MQTT the broker publishes the `offline` will. */
  drop(): Promise<void> {
    this.stopHeartbeat();
    return this.link.drop();
  }
}
