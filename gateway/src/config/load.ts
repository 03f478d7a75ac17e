/**
 * Loading a site config: YAML → schema → cross-references → Site. Every
 * problem is collected and reported at once, addressed as `units[4].zone`
 * with its line in the file, so a technician can fix a file in one pass.
 */
import { readFileSync } from 'node:fs';
import { type Document, isNode, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { schemaIssueProblems } from './issues.js';
import { type Problem, splitPath } from './problem.js';
import { siteConfigSchema } from './schema.js';
import { Site } from './site.js';
import { validateSite } from './validate.js';

export { formatProblem, type Problem } from './problem.js';

export type LoadResult =
  | { ok: true; site: Site; warnings: Problem[] }
  | { ok: false; problems: Problem[]; warnings: Problem[] };

/** Parse and validate a site config held in memory; `source` names it in messages (usually the file path). */
export function parseSite(yamlText: string, source: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    merge: true,
  });
  const yamlProblem = (e: YAMLError): Problem => {
    const { line, col } = lines.linePos(e.pos[0]);
    return { path: `${source}:${line}:${col}`, message: yamlMessage(e, yamlText), line };
  };
  const warnings = doc.warnings.map(yamlProblem);
  if (doc.errors.length > 0) {
    // In file order, one per line: later errors on a line are usually the parser recovering from the first.
    const byLine = new Map<number, Problem>();
    for (const e of [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])) {
      const p = yamlProblem(e);
      if (p.line !== undefined && !byLine.has(p.line)) byLine.set(p.line, p);
    }
    return { ok: false, problems: [...byLine.values()], warnings };
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return {
      ok: false,
      problems: [{ path: source, message: `cannot read YAML: ${errorText(e)}` }],
      warnings,
    };
  }
  if (raw === null || raw === undefined)
    return { ok: false, problems: [{ path: source, message: 'the file is empty' }], warnings };

  const locate = locator(doc, lines, yamlText);
  const parsed = siteConfigSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : schemaIssueProblems(parsed.error.issues, raw, source, (path) => locate(path)?.text);
  const findings = validateSite(raw);
  problems.push(...findings.problems);
  warnings.push(...findings.warnings);
  for (const p of [...problems, ...warnings])
    if (p.line === undefined) p.line = locate(splitPath(p.path))?.line;
  sortByLine(problems);
  sortByLine(warnings);

  if (!parsed.success || problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, site: new Site(parsed.data), warnings };
}

/** Read a site config file and validate it. A file that cannot be read is a problem, not an exception. */
export function loadSite(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : errorText(e);
    return { ok: false, problems: [{ path, message: `cannot read the site config: ${why}` }], warnings: [] };
  }
  return parseSite(text, path);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function yamlMessage(e: YAMLError, text: string): string {
  const first = e.message.split('\n')[0] ?? e.message;
  if (e.code === 'DUPLICATE_KEY') {
    const key = /^[^\s:,{}[\]]+|^"[^"]*"|^'[^']*'/.exec(text.slice(e.pos[0]))?.[0];
    return key
      ? `duplicate key ${key.startsWith('"') ? key : `"${key.replace(/'/g, '')}"`}`
      : 'duplicate key';
  }
  if (e.code === 'TAB_AS_INDENT') return 'tabs are not allowed for indentation; use spaces';
  return first;
}

/** Path → the YAML node there (or its nearest existing parent): its line, and its source text when exact. */
function locator(doc: Document, lines: LineCounter, text: string) {
  return (path: ReadonlyArray<string | number>): { line: number; text: string | undefined } | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = isNode(node) ? node.range : undefined;
      if (range)
        return {
          line: lines.linePos(range[0]).line,
          text: n === path.length ? text.slice(range[0], range[1]) : undefined,
        };
    }
    return undefined;
  };
}

function sortByLine(list: Problem[]): void {
  list.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}
