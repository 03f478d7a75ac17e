/** The small test site with a ZKTeco-style push terminal at U03 and guard PINs (docs/zkpush.md). */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { SMALL_SITE } from '../support/gateway.js';

export const ZK_SN = 'ZKSIM0001';
export const ZK_DEVICE = 'U03-ZK-1';
/** G005 (U03) has PIN 1005; G006 (U03) is written with leading zeros in the config; G007 (U03) has none. */
export const PIN = { G005: '1005', G006: '1006' };

export function zkSiteYaml(gateway: Record<string, unknown> = {}): string {
  const raw = parse(readFileSync(SMALL_SITE, 'utf8')) as {
    guards: Record<string, unknown>[];
    devices: Record<string, unknown>[];
    gateway?: Record<string, unknown>;
  };
  for (const g of raw.guards) if (g.id === 'G005') g.pin = PIN.G005;
  raw.guards.push({ id: 'G006', name: '孙师傅', unit: 'U03', card: '04A1B2C3D4E503', pin: '01006' });
  raw.guards.push({ id: 'G007', name: '周大姐', unit: 'U03', card: '04A1B2C3D4E504' }); // no PIN
  raw.devices.push({
    id: ZK_DEVICE,
    kind: 'rollcall',
    unit: 'U03',
    protocol: 'zk-push',
    serial: ZK_SN,
    heartbeat: '60s',
  });
  raw.gateway = { ...(raw.gateway ?? {}), ...gateway };
  return stringify(raw);
}
