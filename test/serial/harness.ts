/**
 * Component-test harness for the serial extension: a Site from the small
 * test site plus a `serial:` section, a recording IngestPort (our own
 * interface, not a server), a pino logger into memory, a fresh registry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { parseSite } from '../../gateway/src/config/load.js';
import type { Site } from '../../gateway/src/config/site.js';
import type { DeviceMessage, Transport } from '../../gateway/src/model/event.js';
import type {
  CommandRoute,
  GatewayContext,
  IngestPort,
  IngestResult,
  MessageOrigin,
} from '../../gateway/src/ports.js';
import { until } from '../support/wait.js';

const SMALL_SITE = join(import.meta.dirname, '..', 'fixtures', 'small-site.yaml');

export interface SerialEntry {
  path: string;
  driver: 'gpl' | 'uid-line';
  devices: string[];
}

/** The small site with an extra serial roll-call terminal and the given ports. */
export function siteYamlWithSerial(ports: SerialEntry[]): string {
  const doc = parse(readFileSync(SMALL_SITE, 'utf8')) as Record<string, unknown>;
  const devices = doc.devices as Record<string, unknown>[];
  devices.push({ id: 'U03-SER-RC', kind: 'rollcall', unit: 'U03' });
  doc.serial = ports.map((p) => ({ ...p, baudRate: 9600 }));
  return stringify(doc);
}

export function siteWithSerial(ports: SerialEntry[]): Site {
  const loaded = parseSite(siteYamlWithSerial(ports), 'test-site.yaml');
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return loaded.site;
}

export interface Recorded {
  accepted: { message: DeviceMessage; origin: MessageOrigin }[];
  rejected: { topic: string; device: string | null; reason: string; transport: Transport }[];
}

export class RecordingIngest implements IngestPort {
  readonly accepted: Recorded['accepted'] = [];
  readonly rejected: Recorded['rejected'] = [];
  /** Runs synchronously inside the serial data handler (lets a test pull the plug at an exact moment). */
  onAccept: ((message: DeviceMessage) => void) | null = null;
  accept(message: DeviceMessage, origin: MessageOrigin): Promise<IngestResult> {
    this.accepted.push({ message, origin });
    this.onAccept?.(message);
    return Promise.resolve({ status: 'accepted', seq: this.accepted.length });
  }
  reject(topic: string, device: string | null, reason: string, transport: Transport): void {
    this.rejected.push({ topic, device, reason, transport });
  }
  operate(): Promise<void> {
    return Promise.reject(new Error('not used by the serial transport'));
  }
}

/** A stand-in for context members the serial extension must not touch: every use throws. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_t, key) => {
      throw new Error(`serial extension used ctx.${name}.${String(key)}`);
    },
  });
}

export interface Harness {
  ctx: GatewayContext;
  ingest: RecordingIngest;
  routes: CommandRoute[];
  logs: Record<string, unknown>[];
  registry: Registry;
}

export function harness(site: Site): Harness {
  const ingest = new RecordingIngest();
  const routes: CommandRoute[] = [];
  const logs: Record<string, unknown>[] = [];
  const registry = new Registry();
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const ctx: GatewayContext = {
    site,
    journal: unused('journal'),
    logger,
    metrics: registry,
    dataDir: '/nonexistent',
    ingest,
    http: unused('http'),
    publish: () => Promise.reject(new Error('serial extension must not publish')),
    onCommitted: () => () => {},
    addCommandRoute: (route) => {
      routes.push(route);
    },
    queries: unused('queries'),
    addresses: { mqtt: 0, ws: 0, http: 0 },
  };
  return { ctx, ingest, routes, logs, registry };
}

export function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  // boxed: a check may return a promise (the test then awaits it), which until() would await itself
  return until(
    what,
    () => {
      const v = check();
      return v ? { v } : null;
    },
    timeoutMs,
    20,
  ).then((box) => box.v);
}
