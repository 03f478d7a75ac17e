/**
 * The data block of DC-09 reports (integrations.md §1): SIA-DCS
 * `#account|Nri<zone>/<code>` and ADM-CID (Contact ID) `#account|QEEE GG ZZZ`.
 */
import type { Decoded } from '../../../gateway/src/model/event.js';

export interface SiaEvent {
  account: string | null;
  zone: number;
  /** Two-letter SIA event code (PA, PR, TA…). */
  code: string;
}

export interface CidEvent {
  account: string | null;
  /** 1 new event / opening, 3 restore / closing, 6 previous event still present. */
  qualifier: 1 | 3 | 6;
  /** Three-digit Contact ID event code (120 panic…). */
  event: number;
  /** Partition (group), 0..99. */
  partition: number;
  /** Zone or user, 0..999. */
  zone: number;
}

export function siaData(e: SiaEvent): string {
  return `${e.account !== null ? `#${e.account}` : ''}|Nri${e.zone}/${e.code}`;
}

export function cidData(e: CidEvent): string {
  return (
    `${e.account !== null ? `#${e.account}` : ''}|${e.qualifier}${String(e.event).padStart(3, '0')} ` +
    `${String(e.partition).padStart(2, '0')} ${String(e.zone).padStart(3, '0')}`
  );
}

const SIA = /^(?:#([0-9A-Fa-f]{3,16}))?\|N(?:ri(\d{1,4})\/)?([A-Z]{2})(.*)$/;

export function parseSiaData(data: string): Decoded<SiaEvent> {
  const m = SIA.exec(data);
  if (!m) return { ok: false, reason: 'data: not #account|Nri<zone>/<code>' };
  return { ok: true, value: { account: m[1] ?? null, zone: Number(m[2] ?? 0), code: m[3] as string } };
}

const CID = /^(?:#([0-9A-Fa-f]{3,16}))?\|([136])(\d{3}) (\d{2}) (\d{3})$/;

export function parseCidData(data: string): Decoded<CidEvent> {
  const m = CID.exec(data);
  if (!m) return { ok: false, reason: 'data: not #account|QEEE GG ZZZ' };
  return {
    ok: true,
    value: {
      account: m[1] ?? null,
      qualifier: Number(m[2]) as 1 | 3 | 6,
      event: Number(m[3]),
      partition: Number(m[4]),
      zone: Number(m[5]),
    },
  };
}
