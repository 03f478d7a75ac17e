/**
 * The site config schema (shared/spec/site-config.md, v1). This file is the
 * single description of the YAML a technician edits: shape and value rules
 * live here; cross-references (unknown zone, duplicate card...) live in
 * validate.ts because they need the whole document.
 *
 * Durations are kept as the technician wrote them ("90s") and converted with
 * parseDuration() where used, so error messages can quote the original.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { arcZoneSchema, receiversSchema } from '../receivers/schema.js';
import { uplinkSchema } from '../uplink/schema.js';

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

const alertKind = z.enum([
  'panic',
  'patrol_missed',
  'patrol_late',
  'device_offline',
  'tamper',
  'rollcall_absent',
  'custom',
]);
const restorePolicy = z.enum(['auto', 'manual']);

/** gateway.alerts (docs/site-config.md "Alarm handling"); every key optional, defaults in engines/alerts/config.ts. */
const alertsSchema = z.strictObject({
  /** A restored trouble (device back, tamper cleared) resolves itself (`auto`) or waits for a person; global or per kind. */
  restore: z
    .union([
      restorePolicy,
      z.strictObject({ device_offline: restorePolicy.optional(), tamper: restorePolicy.optional() }),
    ])
    .optional(),
  /** `count` alerts of one kind (never panic) within `window` become one grouped alert per target unit; count 0: off. */
  storm: z
    .strictObject({
      count: z.number().int().min(0).max(10_000).default(5),
      window: duration.default('60s'),
      /** Kinds that group (default the device troubles: device_offline, tamper); panics never do. */
      kinds: z.array(alertKind.exclude(['panic'])).optional(),
    })
    .optional(),
  /** Per-kind SOP steps ticked on the card (panic has Chinese defaults). */
  checklists: z
    .partialRecord(
      alertKind,
      z.array(z.strictObject({ step: id, text: name, textEn: name.optional() })).max(20),
    )
    .optional(),
  /** Resolve must carry `classification` (real, false, test, drill); default false: v1 `{id}` accepted. */
  requireClassification: z.boolean().optional(),
  /** Panic buttons not pressed (tested) for this long get a reminder notice per unit; "0s": off. */
  buttonTest: duration.optional(),
  /** Longest drill / test window an operator may open (default 2h). */
  maxDrill: duration.optional(),
});

/** One level of an escalation ladder: after `after` (since the previous level), tell `targets`. */
export const escalationLevelSchema = z.strictObject({
  after: duration.default('0s'),
  /** Unit ids, account ids (operators, consoles), `neighbours` (the origin unit's) or `lead` (the zone's lead unit). */
  targets: z.array(id).min(1),
});

/** A patrol exception's alert severity, or "off" (gateway.patrol.alerts). */
const severityOrOff = z.enum(['critical', 'warning', 'info', 'off']).optional();

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
        /** Patrol, alarm and roll-call records (and taps, presses, answers): never kept less than `retention` (docs/operators.md "Retention"). */
        recordRetention: duration.default('90d'),
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
    /** Alarm handling (docs/alerts.md, docs/site-config.md "Alarm handling"). */
    alerts: alertsSchema.optional(),
    /** Device supervision (docs/alerts.md "Restore", docs/site-config.md "Alarm handling"). */
    supervision: z
      .strictObject({
        /** A device never heard stays "not yet commissioned" (one notice per unit) this long after the gateway first knew it. */
        commissioning: duration.default('24h'),
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
    /** Patrol rules (docs/patrol-and-rollcall.md "Patrol rules", docs/site-config.md "Patrol rules"). */
    patrol: z
      .strictObject({
        /** A second read of the same tag by the same device within this counts once (flagged `rescan`). */
        rescanWithin: duration.default('30s'),
        /** Device clock vs gateway clock beyond this raises `clock_drift` on the device. */
        clockDrift: duration.default('2m'),
        /** An offline wand's upload is settled this long after its last record: its tours are judged then. */
        uploadSettle: duration.default('30s'),
        /** A pause moves a tour's deadline by at most this: one never resumed is judged this long after its original deadline. */
        maxPause: duration.default('2h'),
        /** Max interval between completed patrols of a unit by protection level (1 most protected). */
        protection: z
          .strictObject({ 1: duration.default('6h'), 2: duration.default('12h'), 3: duration.default('24h') })
          .default({ 1: '6h', 2: '12h', 3: '24h' }),
        /** Alert severity per patrol exception, or "off" (events and tour records still carry it). */
        alerts: z
          .strictObject({
            early: severityOrOff,
            rescan: severityOrOff,
            impossible_travel: severityOrOff,
            proxy: severityOrOff,
            moved_reader: severityOrOff,
            clock_drift: severityOrOff,
            two_person: severityOrOff,
            overdue: severityOrOff,
          })
          .optional(),
      })
      .optional(),
    /** ZKTeco-style push terminals on /iclock/ (docs/zkpush.md). */
    zkpush: z
      .strictObject({
        /** Largest body a terminal may post, KiB (default 256). */
        maxBodyKB: z.number().int().min(1).max(16_384).optional(),
        /** Time to receive a whole body (default 10s): slower uploads are cut off. */
        bodyTimeout: duration.optional(),
        /** Requests per terminal (default 5/s, burst 20). */
        rate: z.strictObject({ perSecond: z.number().positive(), burst: z.number().int().min(1) }).optional(),
        /** Poll interval handed to terminals (default 10s). */
        delay: duration.optional(),
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
        /** Per-account rate of console and operator inputs (ack, resolve, view, take, checklist, ops), token bucket (default 10/s, burst 60). */
        accountRate: z
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
        /** v1: operator ids told after ackTimeout; or a ladder of levels (docs/site-config.md "Escalation ladder"). */
        escalation: z.union([z.array(id), z.array(escalationLevelSchema).min(1)]).default([]),
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
      /** Zone number in reports to alarm receiving centres (extension, docs/receivers.md); default: 1-based index. */
      arcZone: arcZoneSchema,
      /** Key-unit protection level (extension): 1, 2 or 3 sets the longest gap between completed patrols. */
      protectionLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
      /** Duty-room phone and address shown on alert cards (extension, docs/site-config.md "Contact details"). */
      phone: z.string().min(1).max(40).optional(),
      address: z.string().min(1).max(200).optional(),
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
        /** A supervisor's card pauses and resumes tours (extension, docs/patrol-and-rollcall.md). */
        supervisor: z.boolean().optional(),
        /** The guard's user number (PIN) on zk-push terminals (extension, docs/zkpush.md); leading zeros ignored. */
        pin: z
          .union([z.string(), z.number().int().nonnegative()], {
            error: 'must be the PIN as text ("1005") or a whole number',
          })
          .transform(String)
          .pipe(z.string().regex(/^[A-Za-z0-9]{1,24}$/, 'must be 1-24 letters or digits'))
          .optional(),
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
        /** Checkpoint windows (extension): offsets from tour start; a checkpoint's own window wins. */
        notBefore: duration.optional(),
        notAfter: duration.optional(),
        windows: z
          .record(id, z.strictObject({ notBefore: duration.optional(), notAfter: duration.optional() }))
          .optional(),
        /** Two guards within `within` at every checkpoint (extension). */
        twoPerson: z.strictObject({ within: duration.default('60s') }).optional(),
        /** Least walking time between two checkpoints of the route (extension): faster is impossible travel. */
        travel: z
          .strictObject({
            min: duration.optional(),
            pairs: z.array(z.strictObject({ between: z.tuple([id, id]), min: duration })).default([]),
          })
          .optional(),
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
        /** Where the device is ("门卫室东墙"), shown on alert cards (extension). */
        location: z.string().min(1).max(200).optional(),
        /** How a roll-call terminal talks (extension): `zk-push` is a ZKTeco-style HTTP push terminal (docs/zkpush.md). */
        protocol: z.enum(['mqtt', 'zk-push']).optional(),
        /** The serial number (SN) a zk-push terminal sends on every request: its only identity (docs/zkpush.md). */
        serial: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be the terminal SN: 1-40 letters, digits, "_" or "-"')
          .optional(),
        /** The one source IP a zk-push terminal may call from (extension; none: any address). */
        address: z
          .string()
          .refine((s) => isIP(s) !== 0, 'must be an IPv4 or IPv6 address')
          .optional(),
      }),
    )
    .default([]),
  serial: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        baudRate: z.number().int().positive().default(9600),
        driver: z.enum(['gpl', 'uid-line', 'dock']),
        devices: z.array(id).min(1),
      }),
    )
    .default([]),
  /** `name` (extension): what screens show for the account instead of its id. */
  consoles: z
    .array(z.strictObject({ id, unit: id, name: name.optional(), password_hash: z.string().optional() }))
    .default([]),
  operators: z
    .array(
      z.strictObject({
        id,
        role: z.enum(['admin', 'technician']),
        name: name.optional(),
        password_hash: z.string().optional(),
      }),
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
  /** Alarm receiving centres over SIA DC-09 (integrations.md §1, docs/receivers.md). */
  receivers: receiversSchema,
  /** City uplink: forward to an upstream MQTT broker (integrations.md §2, docs/site-config.md "City uplink"). */
  uplink: uplinkSchema,
});

export type SiteConfig = z.infer<typeof siteConfigSchema>;
export type ZoneConfig = SiteConfig['zones'][number];
export type EscalationLevel = z.infer<typeof escalationLevelSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
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
