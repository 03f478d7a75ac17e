/** A receiver's config with durations in ms and the account upper-cased. */
import type { z } from 'zod';
import { parseDuration } from '../config/schema.js';
import type { AlertKind } from '../model/alert.js';
import type { receiverSchema } from './schema.js';

export type ReceiverConfig = z.infer<typeof receiverSchema>;

export interface ResolvedReceiver {
  id: string;
  host: string;
  port: number;
  account: string;
  format: 'SIA-DCS' | 'ADM-CID';
  prefix: string;
  receiver: string | null;
  key: string | null;
  supervisionMs: number;
  ackTimeoutMs: number;
  kinds: readonly AlertKind[];
}

export function resolveReceiver(c: ReceiverConfig): ResolvedReceiver {
  return {
    id: c.id,
    host: c.host,
    port: c.port,
    account: c.account.toUpperCase(),
    format: c.format,
    prefix: c.prefix.toUpperCase(),
    receiver: c.receiver ? c.receiver.toUpperCase() : null,
    key: c.key,
    supervisionMs: c.supervision === 0 || c.supervision === '0' ? 0 : parseDuration(c.supervision),
    ackTimeoutMs: Math.max(1, parseDuration(c.ackTimeout)),
    kinds: c.kinds,
  };
}
