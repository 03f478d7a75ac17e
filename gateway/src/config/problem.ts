/** One thing wrong (or suspicious) in a site config, addressed by its key path. */
export interface Problem {
  /** `units[4].zone`; for YAML syntax errors `<file>:<line>:<col>`; the file name for whole-file problems. */
  path: string;
  message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

/** `units[4].zone: no zone "eats" (did you mean "east"?)`; with `withLine`, ` [line 14]` is appended when known. */
export function formatProblem(p: Problem, opts: { withLine?: boolean } = {}): string {
  const base = `${p.path}: ${p.message}`;
  return opts.withLine && p.line !== undefined && !p.path.endsWith(`:${p.line}`) && !/:\d+:\d+$/.test(p.path)
    ? `${base} [line ${p.line}]`
    : base;
}

export type PathSegment = string | number;

/** ['units', 4, 'zone'] → `units[4].zone`. */
export function joinPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `units[4].zone` → ['units', 4, 'zone'] (the inverse of joinPath). */
export function splitPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_-]*)/gy;
  for (let m = re.exec(path); m !== null && m[0] !== ''; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}
