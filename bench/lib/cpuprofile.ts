/**
 * Self time of a V8 .cpuprofile by part of the hot path. A frame belongs to
 * the part its script belongs to; frames without a script (native code,
 * JSON.parse, builtins) count for the part of the nearest caller that has one.
 */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export const PARTS = [
  'MQTT parsing (mqtt-packet)',
  'auth / ACL hooks',
  'decode (codec, normalise, dedupe)',
  'journal (better-sqlite3)',
  'engines',
  'fan-out publish (aedes, mqtt-packet generate)',
  'ingest pipeline glue',
  'InfluxDB export',
  'logging (pino)',
  'other gateway code',
  'Node.js net / streams / timers',
  'other libraries',
  'garbage collector',
  'program (native, unattributed)',
  'idle',
] as const;
export type Part = (typeof PARTS)[number];

export function partOf(url: string, fn: string): Part | null {
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return 'program (native, unattributed)';
  if (fn === '(idle)') return 'idle';
  if (!url) return null;
  if (url.includes('/mqtt-packet/')) {
    return /generate|writeToStream/.test(url)
      ? 'fan-out publish (aedes, mqtt-packet generate)'
      : 'MQTT parsing (mqtt-packet)';
  }
  if (url.includes('/node_modules/bl/')) return 'MQTT parsing (mqtt-packet)';
  if (/gateway\/src\/(broker\/(authenticate|authorize|acl|throttle)|auth\/)/.test(url))
    return 'auth / ACL hooks';
  if (/devices\/codecs\/|gateway\/src\/ingest\/(normalise|dedupe)|gateway\/src\/model\//.test(url))
    return 'decode (codec, normalise, dedupe)';
  if (url.includes('better-sqlite3') || url.includes('gateway/src/journal/'))
    return 'journal (better-sqlite3)';
  if (url.includes('gateway/src/engines/')) return 'engines';
  if (
    /node_modules\/(aedes|mqemitter|qlobber|aedes-persistence|aedes-packet|fastfall|fastparallel|fastseries|reusify|retimer|hyperid|uuid)/.test(
      url,
    )
  )
    return 'fan-out publish (aedes, mqtt-packet generate)';
  if (
    url.includes('gateway/src/ingest/') ||
    url.includes('gateway/src/broker/') ||
    url.includes('gateway/src/runtime/')
  )
    return 'ingest pipeline glue';
  if (url.includes('gateway/src/export/')) return 'InfluxDB export';
  if (url.includes('/pino') || url.includes('sonic-boom')) return 'logging (pino)';
  if (url.includes('/gateway/src/') || url.includes('/devices/')) return 'other gateway code';
  if (url.startsWith('node:')) return 'Node.js net / streams / timers';
  return 'other libraries';
}

export interface ProfileSummary {
  totalMs: number;
  /** Self ms by part (every PART present). */
  parts: Record<Part, number>;
  top: { function: string; file: string; selfMs: number }[];
}

export function summarizeProfile(p: CpuProfile, topN = 15): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const part = new Map<number, Part>();
  const walk = (id: number, inherited: Part): void => {
    const n = byId.get(id);
    if (!n) return;
    const own = partOf(n.callFrame.url, n.callFrame.functionName) ?? inherited;
    part.set(id, own);
    for (const c of n.children ?? []) walk(c, own);
  };
  const root = p.nodes[0];
  if (root) walk(root.id, 'program (native, unattributed)');
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const parts = Object.fromEntries(PARTS.map((k) => [k, 0])) as Record<Part, number>;
  const fns = new Map<string, { function: string; file: string; selfMs: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const k = part.get(id) ?? 'program (native, unattributed)';
    parts[k] += us / 1000;
    const file = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|gateway|devices)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'}@${file}:${n.callFrame.lineNumber + 1}`;
    const f = fns.get(key) ?? {
      function: n.callFrame.functionName || '(anonymous)',
      file: file ? `${file}:${n.callFrame.lineNumber + 1}` : '(native)',
      selfMs: 0,
    };
    f.selfMs += us / 1000;
    fns.set(key, f);
  }
  const top = [...fns.values()]
    .filter((f) => !f.function.startsWith('('))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topN);
  return { totalMs: total / 1000, parts, top };
}
