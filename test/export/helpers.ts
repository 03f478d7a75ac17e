import type { JournalBody, RollcallUnitResult, TourRecord } from '../../gateway/src/journal/types.js';
import type { AlertPayload } from '../../gateway/src/model/alert.js';
import type { HeartbeatEvent, PanicEvent, StatusEvent, TapEvent } from '../../gateway/src/model/event.js';
import { panicAlert } from '../support/alert.js';
import { smallSite } from '../support/site.js';

export { smallSite };

const base = { skewed: false, transport: 'mqtt' as const };

export function tap(at: number, seq: number | null, over: Partial<TapEvent> = {}): JournalBody {
  const event: TapEvent = {
    ...base,
    kind: 'tap',
    device: 'G001-WAND',
    zone: 'east',
    unit: 'U02',
    seq,
    at,
    receivedAt: at,
    uid: '04D1E2F3',
    uidKind: 'tag',
    checkpoint: 'CP-E-01',
    guard: null,
    route: null,
    tour: null,
    ...over,
  };
  return { type: 'event', event };
}

export function panic(at: number, state: 'pressed' | 'released', seq = 1): JournalBody {
  const event: PanicEvent = {
    ...base,
    kind: 'panic',
    device: 'U02-PANIC-1',
    zone: 'east',
    unit: 'U02',
    seq,
    at,
    receivedAt: at,
    state,
  };
  return { type: 'event', event };
}

export function heartbeat(at: number, battery: number | null, rssi: number | null, seq = 1): JournalBody {
  const event: HeartbeatEvent = {
    ...base,
    kind: 'heartbeat',
    device: 'U02-PANIC-1',
    zone: 'east',
    unit: 'U02',
    seq,
    at,
    receivedAt: at,
    battery,
    rssi,
    tamper: false,
  };
  return { type: 'event', event };
}

export function status(at: number, value: 'online' | 'offline', device = 'U02-PANIC-1'): JournalBody {
  const event: StatusEvent = {
    ...base,
    kind: 'status',
    device,
    zone: 'east',
    unit: 'U02',
    seq: null,
    at,
    receivedAt: at,
    status: value,
  };
  return { type: 'event', event };
}

export function alert(
  at: number,
  state: AlertPayload['state'],
  over: Partial<AlertPayload> = {},
): JournalBody {
  const payload = panicAlert(at, { state, ackBy: state === 'acknowledged' ? 'U01-duty' : null, ...over });
  return {
    type: 'alert',
    alert: payload,
    key: `panic:${payload.device}`,
    targets: ['U02', 'U01'],
    escalateAt: null,
  };
}

export function rollcallResult(at: number, over: Partial<RollcallUnitResult> = {}): JournalBody {
  const result: RollcallUnitResult = {
    call: 'RC-1',
    zone: 'east',
    unit: 'U02',
    at,
    present: ['G001', 'G003'],
    late: ['G003'],
    absent: ['G002'],
    foreign: [],
    ...over,
  };
  return { type: 'rollcall-result', result };
}

export function tour(at: number, over: Partial<TourRecord> = {}): JournalBody {
  const t: TourRecord = {
    id: 'T-1',
    route: 'east-night',
    zone: 'east',
    device: 'G001-WAND',
    guard: 'G001',
    startedAt: at - 1_234_500,
    endedAt: at,
    status: 'missed',
    expected: 3,
    visited: ['CP-E-01', 'CP-E-02'],
    missed: ['CP-E-03'],
    late: ['CP-E-02'],
    outOfOrder: 0,
    durationMs: 1_234_500,
    units: ['U02'],
    ...over,
  };
  return { type: 'tour', tour: t };
}
