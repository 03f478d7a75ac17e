/**
 * Commands from the city (integrations.md §2 "Downstream"), pure: only
 * `{prefix}/ops/rollcall` and `{prefix}/ops/alert`, only when `accept`
 * lists them, with the payloads of protocol.md §1.4, decoded as an admin
 * operator's publish would be (ingest/ops.ts). Everything else is refused
 * with a reason: other topics, retained messages (a broker replays those on
 * every subscribe, which would repeat a roll call), payloads over 4 KiB,
 * bad JSON, unknown units. (How many commands per minute reach the ingest
 * lane that also carries panics is bounded by the extension, with the
 * ingest's token bucket.)
 */
import { MAX_PAYLOAD_BYTES } from '../../../devices/codecs/mqtt-json.js';
import type { Account, Site } from '../config/site.js';
import { decodeOp } from '../ingest/ops.js';
import type { OpInput } from '../journal/types.js';
import { cityTopics } from '../topics.js';

export type DownstreamCommand = 'rollcall' | 'alert';

export type DownstreamVerdict =
  | { ok: true; what: DownstreamCommand; input: OpInput }
  | { ok: false; reason: string };

export interface DownstreamRules {
  prefix: string;
  accept: ReadonlySet<DownstreamCommand>;
  site: Site;
  /** Who the journal names as the operator (`by`). */
  by: string;
}

export function decodeDownstream(
  topic: string,
  payload: Buffer,
  retain: boolean,
  rules: DownstreamRules,
): DownstreamVerdict {
  const what = cityTopics.parseOps(rules.prefix, topic);
  if (what === null) return { ok: false, reason: 'not a command topic of this district' };
  if (what !== 'rollcall' && what !== 'alert')
    return { ok: false, reason: `unknown command "${clip(what)}"` };
  if (!rules.accept.has(what)) return { ok: false, reason: `"${what}" is not in uplink.accept` };
  if (retain) return { ok: false, reason: 'retained command (a broker replays it): not applied' };
  if (payload.length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `payload of ${payload.length} bytes (more than ${MAX_PAYLOAD_BYTES})` };
  const admin: Account = {
    kind: 'operator',
    id: rules.by,
    passwordHash: undefined,
    operator: { id: rules.by, role: 'admin' },
  };
  const decoded = decodeOp({ type: 'ops', what }, payload, admin, rules.site, 'uplink');
  return decoded.ok ? { ok: true, what, input: decoded.value } : { ok: false, reason: decoded.reason };
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
