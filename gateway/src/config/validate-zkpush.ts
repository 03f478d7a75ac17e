/**
 * Cross-reference checks of ZKTeco-style push terminals (docs/zkpush.md):
 * `protocol: zk-push` devices are roll-call terminals with a unique SN and no
 * MQTT or serial identity, and guards' PINs name one guard each. Works on the
 * raw YAML like validate.ts (values of the wrong type are the schema's).
 */
import type { Problem } from './problem.js';

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (root: Rec, key: string): Rec[] => {
  const v = root[key];
  return Array.isArray(v) ? v.map((e) => (isRec(e) ? e : {})) : [];
};

/** Terminals compare PINs as numbers when they are digits: "0012" and 12 are one user. */
export function normalisePin(pin: string | number): string {
  const s = String(pin).trim();
  return /^\d+$/.test(s) ? s.replace(/^0+(?=\d)/, '') : s;
}

/** Ids of the devices any `serial:` port lists. */
function serialBound(raw: Rec): Set<string> {
  const out = new Set<string>();
  for (const s of list(raw, 'serial')) {
    if (Array.isArray(s.devices)) for (const d of s.devices) if (typeof d === 'string') out.add(d);
  }
  return out;
}

export function validateZkPush(raw: Rec, problems: Problem[]): void {
  const bound = serialBound(raw);
  const bySerial = new Map<string, string>();
  list(raw, 'devices').forEach((d, i) => {
    const p = `devices[${i}]`;
    const zk = d.protocol === 'zk-push';
    if (!zk) {
      if (d.serial !== undefined)
        problems.push({ path: `${p}.serial`, message: 'only a `protocol: zk-push` terminal has an SN' });
      if (d.address !== undefined)
        problems.push({
          path: `${p}.address`,
          message: 'only a `protocol: zk-push` terminal has an address',
        });
      return;
    }
    if (d.kind !== undefined && d.kind !== 'rollcall')
      problems.push({
        path: `${p}.protocol`,
        message: `a zk-push terminal is a roll-call terminal; this is a ${String(d.kind)} device`,
      });
    if (typeof d.serial !== 'string')
      problems.push({ path: `${p}.serial`, message: 'a zk-push terminal needs its serial number (SN)' });
    else {
      const first = bySerial.get(d.serial);
      if (first) problems.push({ path: `${p}.serial`, message: `SN "${d.serial}" is already ${first}` });
      else bySerial.set(d.serial, p);
    }
    if (d.password_hash !== undefined)
      problems.push({
        path: `${p}.password_hash`,
        message: 'a zk-push terminal never logs in to MQTT: remove password_hash',
      });
    if (typeof d.id === 'string' && bound.has(d.id))
      problems.push({ path: p, message: `zk-push terminal "${d.id}" cannot also be on a serial port` });
  });
  const byPin = new Map<string, string>();
  list(raw, 'guards').forEach((g, i) => {
    if (typeof g.pin !== 'string' && typeof g.pin !== 'number') return;
    const pin = normalisePin(g.pin);
    const first = byPin.get(pin);
    if (first)
      problems.push({ path: `guards[${i}].pin`, message: `PIN ${pin} is already the PIN of ${first}` });
    else byPin.set(pin, `guards[${i}]${typeof g.id === 'string' ? ` (${g.id})` : ''}`);
  });
}
