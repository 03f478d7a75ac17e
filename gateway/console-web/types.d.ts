// Types for the console's JSDoc (checked by gateway/console-web/tsconfig.json,
// never served): config.json is the server's own type, alerts are the v1
// payload plus the optional issue-13 fields (docs/protocol-extensions.md).
import type { ConsoleConfig } from '../src/console/wire.js';
import type { AlertPayload } from '../src/model/alert.js';

export type { ConsoleConfig };

export type Classification = 'real' | 'false' | 'test' | 'drill';

export interface GroupMember {
  device?: string | null;
  unit?: string | null;
  zone?: string | null;
  since?: string | null;
  restored?: boolean;
}

export interface LadderLevel {
  level: number;
  at?: string;
  targets?: string[];
  names?: string[];
  skipped?: { unit?: string; account?: string; reason?: string }[];
}

export interface ChecklistStep {
  step: string;
  text?: string;
  textEn?: string;
  done?: boolean;
  by?: string | null;
  at?: string | null;
}

/** Optional fields of the issue-13 contract; absent means "not applicable". */
export interface AlertExtensions {
  restored?: boolean;
  restoredAt?: string | null;
  group?: { count: number; members?: GroupMember[]; restoredCount?: number } | null;
  level?: number | null;
  levels?: LadderLevel[] | null;
  notified?: { account?: string; unit?: string; name?: string }[] | null;
  owner?: { account?: string; name?: string; unit?: string | null; at?: string } | null;
  checklist?: ChecklistStep[] | null;
  classification?: Classification | null;
  note?: string | null;
  mode?: 'drill' | 'test' | null;
  viewedAt?: string | null;
  /** Set by the page: the alert left the gateway's open list while we were away. */
  closedOnResync?: boolean;
}

export type Alert = Omit<AlertPayload, keyof AlertExtensions> & AlertExtensions;

/** A tour as GET /api/tours gives it (docs/patrol-and-rollcall.md); the board reads these fields. */
export interface TourRow {
  route: string;
  routeName?: string;
  state?: string;
  status?: string;
  guard?: string | null;
  startedAt?: string;
  deadline?: string;
  expected?: number;
  visited?: string[] | number;
  late?: string[];
}

/** One unit's line of a closed roll call (gp/v1/rollcall/{call}/result, /api/rollcalls). */
export interface RollcallUnitRow {
  unit: string;
  zone?: string;
  present?: unknown[] | number;
  late?: unknown[] | number;
  absent?: unknown[];
}

export interface RollcallResult {
  call: string;
  state?: string;
  startedAt?: string;
  deadline?: string;
  units?: RollcallUnitRow[];
}

/** A device snapshot from /api/devices, under whichever field names the gateway version uses. */
export interface DeviceSnapshot {
  id?: string;
  device?: string;
  kind?: string | null;
  unit: string;
  online?: boolean;
  status?: string;
  battery?: number;
  lastHeartbeat?: string;
  lastHeartbeatAt?: string;
  lastSeen?: string;
  lastSeenAt?: string;
  at?: string;
}

export interface MqttClient {
  publish(topic: string, payload: string, opts: { qos: 0 | 1 }, cb: (err?: Error) => void): void;
  subscribe(topics: Record<string, { qos: 0 | 1 }>, cb: () => void): void;
  on(event: 'connect' | 'reconnect' | 'offline' | 'close', cb: () => void): void;
  on(event: 'error', cb: (err: Error & { code?: number }) => void): void;
  on(event: 'message', cb: (topic: string, payload: Uint8Array) => void): void;
  end(force?: boolean): void;
}

declare global {
  interface Window {
    mqtt: { connect(url: string, opts: Record<string, unknown>): MqttClient };
    webkitAudioContext?: typeof AudioContext;
  }
}
