/**
 * The `receivers:` site key (integrations.md §1, docs/site-config.md "Alarm
 * receiving centres"): one entry per alarm receiving centre. Kept beside the
 * extension and imported by config/schema.ts; it imports nothing from there
 * (no import cycle), hence its own id and duration patterns.
 */
import { z } from 'zod';
import { keyProblem } from '../../../devices/codecs/dc09/crypto.js';

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
const duration = z
  .string()
  .regex(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/, 'must be a duration like "90s", "30m", "2h"');

export const receiverKinds = [
  'panic',
  'patrol_missed',
  'patrol_late',
  'device_offline',
  'tamper',
  'rollcall_absent',
  'custom',
] as const;

export const receiverSchema = z.strictObject({
  id,
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  /** The panel account the ARC knows this site by. */
  account: z.string().regex(/^[0-9A-Fa-f]{3,16}$/, 'must be 3–16 hex characters'),
  format: z.enum(['SIA-DCS', 'ADM-CID']).default('SIA-DCS'),
  /** Account prefix `L…` (hex after the L). */
  prefix: z
    .string()
    .regex(/^L[0-9A-Fa-f]{1,6}$/, 'must be L followed by 1–6 hex digits')
    .default('L0'),
  /** Receiver number `R…`, optional. */
  receiver: z
    .string()
    .regex(/^R[0-9A-Fa-f]{1,6}$/, 'must be R followed by 1–6 hex digits')
    .nullable()
    .default(null),
  /** AES key (16/24/32 ASCII characters): frames are sent encrypted. */
  key: z
    .string()
    .refine((k) => keyProblem(k) === null, 'must be 16, 24 or 32 printable ASCII characters')
    .nullable()
    .default(null),
  /** NULL interval when idle; 0 = none. */
  supervision: z.union([duration, z.literal(0), z.literal('0')]).default('60s'),
  ackTimeout: duration.default('10s'),
  kinds: z.array(z.enum(receiverKinds)).min(1).default(['panic', 'tamper', 'device_offline']),
});

export const receiversSchema = z.array(receiverSchema).max(16).default([]);

/** `units[].arcZone`: the zone number reports carry for the unit (default: its 1-based index). */
export const arcZoneSchema = z.number().int().min(1).max(999).optional();
