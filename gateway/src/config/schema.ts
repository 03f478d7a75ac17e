/**
 * The site config schema (shared/spec/site-config.md, v1). This file is the
 * single description of the YAML a technician edits: shape and value rules
 * live here; cross-references (unknown zone, duplicate card...) live in
 * validate.ts because they need the whole document.
 *
 * Durations are kept as the technician wrote them ("90s") and converted with
 * parseDuration() where used, so error messages can quote the original.
 */
import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

const id = z.string().regex(ID_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
const duration = z.string().regex(DURATION_PATTERN, 'must be a duration like "90s", "30m", "2h"');
const port = z.number().int().min(0).max(65535);
const hexUid = z
  .string()
  .refine((s) => normaliseUidOrNull(s) !== null, 'must be an NFC UID of 8, 14 or 20 hex digits');
const name = z.string().min(1).max(200);

/** Upper case, no ':' or '-' separators; 4, 7 or 10 bytes. null when not a UID. */
export function normaliseUidOrNull(raw: string): string | null {
  const s = raw.replace(/[:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(s)) return null;
  if (s.length !== 8 && s.length !== 14 && s.length !== 20) return null;
  return s;
}

const listenerSchema = z.strictObject({
  port: port.optional(),
  host: z.string().optional(),
});

const tlsSchema = z.strictObject({
  port: port.default(8883),
  cert: z.string(),
  key: z.string(),
  ca: z.string().optional(),
});

export const gatewaySchema = z
  .strictObject({
    mqtt: listenerSchema.optional(),
    mqtts: tlsSchema.optional(),
    ws: listenerSchema.optional(),
    http: listenerSchema
      .extend({ tls: z.strictObject({ cert: z.string(), key: z.string() }).optional() })
      .optional(),
    nodered: z
      .strictObject({ port: port.optional(), enabled: z.boolean().optional(), flows: z.string().optional() })
      .optional(),
    influx: z
      .strictObject({
        url: z.string().url(),
        database: z.string().min(1).default('guardpost'),
        retentionPolicy: z.string().optional(),
        retention: duration.optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        batchSize: z.number().int().min(1).max(50_000).optional(),
        linger: duration.optional(),
      })
      .optional(),
    journal: z
      .strictObject({
        retention: duration.default('30d'),
        /** Size cap in MB (default 2048, lowered to what the disk has): beyond it the journal refuses writes like a full disk. */
        maxMB: z.number().positive().optional(),
        /** The last MB below the cap kept for alarms: above `maxMB − reserveMB` bulk inputs are refused (default 5% of the cap, at most 64). */
        reserveMB: z.number().min(0).optional(),
        /** Ballast file kept beside the journal and freed for alarms when the disk fills, in MB (default 8; 0: none). */
        diskReserveMB: z.number().min(0).optional(),
      })
      .optional(),
    /** Clock faults (docs/operators.md "Clock faults", docs/site-config.md). */
    clock: z
      .strictObject({
        /** Wall vs engine clock difference counted as a step. */
        stepThreshold: duration.default('2s'),
        /** Monotonic hours without a step that prove the clock again for retention. */
        stableHours: z.number().positive().max(8760).default(24),
        /** At start, a wall clock this far after the newest journal entry is unproven. */
        maxGap: duration.default('24h'),
      })
      .optional(),
    /** GET /bulletin runs in a worker: jobs that may wait behind the running one, results cached, deadline per job. */
    bulletin: z
      .strictObject({
        queue: z.number().int().min(0).max(8).default(1),
        cache: z.number().int().min(0).max(256).default(8),
        timeout: duration.default('60s'),
      })
      .optional(),
    /** Login back-off shared by MQTT and HTTP Basic (docs/operators.md "Logins"). */
    auth: z
      .strictObject({
        throttle: z
          .strictObject({
            /** Failures per account let through before the back-off starts (default 3). */
            free: z.number().int().min(0).max(1_000_000).optional(),
            /** Failures per source address let through before it starts (default 20). */
            addressFree: z.number().int().min(0).max(1_000_000).optional(),
            /** First wait, doubled with each further failure (default 250 ms). */
            base: duration.optional(),
            /** Longest wait; an attempt that would wait longer is refused unchecked (default 10s). */
            max: duration.optional(),
            /** Failures are forgotten this long after a key's last attempt (default 15m). */
            window: duration.optional(),
          })
          .optional(),
      })
      .optional(),
    /** Per-connection MQTT limits (docs/operators.md "Limits"). */
    limits: z
      .strictObject({
        /** Largest MQTT packet a client may send, in KiB (fixed header included); larger closes the connection. */
        maxPacketKB: z.number().int().min(1).max(262_144).optional(),
        /** Unsent bytes, in KiB, a client may have queued before it is disconnected as not reading. */
        outboundBufferKB: z.number().int().min(16).max(1_048_576).optional(),
        /** Per-device message rate, token bucket (default 20/s, burst 100; panics never below 5/s, burst 20). */
        deviceRate: z
          .strictObject({ perSecond: z.number().positive(), burst: z.number().int().min(1) })
          .optional(),
        /** Bytes one device may journal per rolling day, in MB (default 32; panics exempt). */
        deviceJournalMBPerDay: z.number().positive().optional(),
      })
      .optional(),
  })
  .optional();

export const zoneKinds = [
  'government',
  'residential',
  'school',
  'enterprise',
  'commercial',
  'police',
] as const;

export const siteConfigSchema = z.strictObject({
  site: z.strictObject({
    id,
    name,
    timezone: z.string().default('Asia/Shanghai'),
  }),
  gateway: gatewaySchema,
  zones: z
    .array(
      z.strictObject({
        id,
        name,
        ackTimeout: duration.default('30s'),
        escalation: z.array(id).default([]),
        lead: id.optional(),
      }),
    )
    .min(1),
  units: z.array(
    z.strictObject({
      id,
      name,
      zone: id,
      kind: z.enum(zoneKinds),
      neighbours: z.array(id).optional(),
    }),
  ),
  guards: z
    .array(
      z.strictObject({
        id,
        name,
        unit: id,
        card: hexUid,
        licensed: z.boolean().default(false),
        onDuty: z.boolean().optional(),
      }),
    )
    .default([]),
  checkpoints: z.array(z.strictObject({ id, unit: id, tag: hexUid, name })).default([]),
  routes: z
    .array(
      z.strictObject({
        id,
        zone: id,
        name: name.optional(),
        checkpoints: z.array(id).min(1),
        ordered: z.boolean().default(false),
        maxDuration: duration,
        joint: z.boolean().optional(),
        schedule: z
          .strictObject({
            every: duration,
            between: z
              .string()
              .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM-HH:MM"')
              .optional(),
            grace: duration.default('10m'),
          })
          .optional(),
      }),
    )
    .default([]),
  devices: z
    .array(
      z.strictObject({
        id,
        kind: z.enum(['reader', 'panic', 'rollcall']),
        unit: id,
        checkpoint: id.optional(),
        /** A handheld wand carried by one guard (extension): its tag taps are that guard's. */
        guard: id.optional(),
        heartbeat: duration.optional(),
        password_hash: z.string().optional(),
      }),
    )
    .default([]),
  serial: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        baudRate: z.number().int().positive().default(9600),
        driver: z.enum(['gpl', 'uid-line']),
        devices: z.array(id).min(1),
      }),
    )
    .default([]),
  consoles: z.array(z.strictObject({ id, unit: id, password_hash: z.string().optional() })).default([]),
  operators: z
    .array(
      z.strictObject({ id, role: z.enum(['admin', 'technician']), password_hash: z.string().optional() }),
    )
    .default([]),
  /** Scheduled system roll calls (extension): times in the site's timezone. */
  rollcall: z
    .strictObject({
      at: z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM"')).default([]),
      window: duration.default('2m'),
      zone: id.optional(),
    })
    .optional(),
  /** Weekly bulletin points scheme (extension, see docs/bulletin.md). */
  points: z.record(z.string(), z.number()).optional(),
});

export type SiteConfig = z.infer<typeof siteConfigSchema>;
export type ZoneConfig = SiteConfig['zones'][number];
export type UnitConfig = SiteConfig['units'][number];
export type GuardConfig = SiteConfig['guards'][number];
export type CheckpointConfig = SiteConfig['checkpoints'][number];
export type RouteConfig = SiteConfig['routes'][number];
export type DeviceConfig = SiteConfig['devices'][number];
export type SerialPortConfig = SiteConfig['serial'][number];
export type ConsoleConfig = SiteConfig['consoles'][number];
export type OperatorConfig = SiteConfig['operators'][number];
export type DeviceKind = DeviceConfig['kind'];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s" → 90000. Throws on a string the schema would have refused. */
export function parseDuration(s: string): number {
  const m = DURATION_PATTERN.exec(s);
  if (!m || !m[1] || !m[2]) throw new Error(`not a duration: "${s}"`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2]] ?? 0));
}
