/**
 * GET /bulletin?week=2026-W48&zone=east[&format=html|json|csv&table=…[&lang=en]]
 * computed on request from the journal. Operators see any zone; a console
 * account sees its own zone only.
 *
 * A heavy week takes seconds to read and compute, and the main thread also
 * carries every panic: the work runs in a worker thread (pool.ts), one job
 * at a time with a short queue, more requests get 429 (jobs.ts), and
 * results are cached by (week, zone, last journal seq), so a repeat costs
 * nothing until the journal changes. A job past its deadline is stopped (503).
 */
import type { ServerResponse } from 'node:http';
import { LoginGuard } from '../auth/guard.js';
import { parseDuration } from '../config/schema.js';
import { basicAccount, sendUnauthorised } from '../console/auth.js';
import type { Extension, GatewayContext } from '../ports.js';
import { HeavyJobs } from './jobs.js';
import {
  BulletinInputError,
  type BulletinRunner,
  BulletinUnavailableError,
  inProcessRunner,
  workerRunner,
} from './pool.js';
import type { BulletinOutputs } from './produce.js';
import { CSV_TABLES, type CsvTable } from './render-csv.js';
import { escapeXml } from './svg.js';
import { weekOf } from './week.js';

export interface BulletinExtensionOptions {
  /** Require console/operator HTTP Basic auth (default true). */
  auth?: boolean;
  /** The login check (default: the gateway's, ctx.logins; a private one in component hosts). */
  logins?: LoginGuard;
  /** Clock for the default week (tests). */
  now?: () => number;
  /** Override `gateway.bulletin` from the site config (tests). */
  limits?: { queue?: number; cacheEntries?: number; timeoutMs?: number };
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

/** What a refusal says to a person (a browser opening the page): Chinese, the English below it. */
const ERROR_ZH: Record<string, string> = {
  forbidden_zone: '值班室账号只能查看本片区的通报',
  unknown_zone: '没有这个片区',
  bad_week: '周次格式应为 2026-W48',
  bad_format: '格式只能是 html、json 或 csv',
  bad_table: '请指定要导出的表格',
  busy: '通报正在生成，请稍后再试',
  unavailable: '通报暂时无法生成，请稍后再试',
  bad_input: '无法生成这一周的通报',
  failed: '生成通报时出错',
};

/**
 * A refusal: JSON `{ error, code, … }` for programs; a short Chinese page for
 * a browser asking for the HTML bulletin (no raw English JSON on screen).
 */
function sendError(
  res: ServerResponse,
  page: boolean,
  status: number,
  code: string,
  body: { error: string } & Record<string, unknown>,
  extra?: Record<string, string>,
): void {
  if (!page) {
    send(res, status, JSON_TYPE, JSON.stringify({ ...body, code }), extra);
    return;
  }
  const zh = ERROR_ZH[code] ?? ERROR_ZH.failed;
  send(
    res,
    status,
    'text/html; charset=utf-8',
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeXml(zh ?? '')}</title></head><body><h1>${escapeXml(zh ?? '')}</h1><p lang="en">${escapeXml(body.error)}</p></body></html>`,
    extra,
  );
}

const isCsvTable = (t: string): t is CsvTable => (CSV_TABLES as readonly string[]).includes(t);

export function createBulletinExtension(options: BulletinExtensionOptions = {}): Extension {
  const now = options.now ?? Date.now;
  let served = 0;
  let lastError: string | null = null;
  let runner: BulletinRunner | null = null;
  let jobs: HeavyJobs<BulletinOutputs> | null = null;
  return {
    name: 'bulletin',
    async start(ctx: GatewayContext): Promise<void> {
      const { site } = ctx;
      const guard = options.logins ?? ctx.logins ?? (await LoginGuard.create({ site }));
      const cfg = site.config.gateway?.bulletin;
      const timeoutMs = options.limits?.timeoutMs ?? parseDuration(cfg?.timeout ?? '60s');
      const limiter = new HeavyJobs<BulletinOutputs>({
        queue: options.limits?.queue ?? cfg?.queue ?? 1,
        cacheEntries: options.limits?.cacheEntries ?? cfg?.cache ?? 8,
      });
      jobs = limiter;
      const run: BulletinRunner =
        ctx.journal.path === ':memory:'
          ? inProcessRunner(ctx.journal, site)
          : workerRunner({ journalPath: ctx.journal.path, site, timeoutMs });
      runner = run;
      ctx.http.add('GET', '/bulletin', async (req, res, _params, url) => {
        // a person in a browser opening the page gets refusals as a page, programs as JSON
        const page =
          (url.searchParams.get('format') ?? 'html') === 'html' &&
          /text\/html/.test(req.headers.accept ?? '');
        let zone = url.searchParams.get('zone') || undefined;
        if (options.auth !== false) {
          const account = await basicAccount(req, guard);
          if (!account) return sendUnauthorised(res, true);
          if (account.kind === 'console') {
            if (zone !== undefined && zone !== account.unit.zone) {
              return sendError(res, page, 403, 'forbidden_zone', {
                error: `console ${account.id} may see zone ${account.unit.zone} only`,
              });
            }
            zone = account.unit.zone;
          }
        }
        const week = url.searchParams.get('week') || weekOf(now(), site.timezone);
        const format = url.searchParams.get('format') ?? 'html';
        const table = url.searchParams.get('table') ?? '';
        if (zone !== undefined && !site.zones.has(zone)) {
          return sendError(res, page, 400, 'unknown_zone', { error: `unknown zone "${zone}"` });
        }
        if (!/^\d{4}-W\d{2}$/.test(week)) {
          return sendError(res, page, 400, 'bad_week', { error: 'week must look like 2026-W48' });
        }
        if (format !== 'html' && format !== 'json' && format !== 'csv') {
          return sendError(res, page, 400, 'bad_format', { error: 'format must be html, json or csv' });
        }
        if (format === 'csv' && !isCsvTable(table)) {
          return sendError(res, page, 400, 'bad_table', {
            error: 'table= one of the CSV tables',
            tables: CSV_TABLES,
          });
        }
        // every format comes from one rendering, so format and table need not be in the key
        const key = `${week}|${zone ?? '*'}|${ctx.journal.lastSeq()}`;
        const outcome = limiter.submit(key, () => run.run({ week, ...(zone ? { zone } : {}), now: now() }));
        if (outcome.kind === 'busy') {
          return sendError(
            res,
            page,
            429,
            'busy',
            { error: 'a bulletin is being computed: retry later', retryAfterS: outcome.retryAfterS },
            { 'retry-after': String(outcome.retryAfterS) },
          );
        }
        let out: BulletinOutputs;
        if (outcome.kind === 'hit') out = outcome.value;
        else {
          try {
            out = await outcome.value;
            lastError = null;
          } catch (err) {
            lastError = err instanceof Error ? err.message : String(err);
            ctx.logger.warn({ err, week, zone }, 'bulletin failed');
            if (err instanceof BulletinUnavailableError)
              return sendError(res, page, 503, 'unavailable', { error: lastError }, { 'retry-after': '30' });
            if (err instanceof BulletinInputError)
              return sendError(res, page, 400, 'bad_input', { error: lastError });
            return sendError(res, page, 500, 'failed', { error: lastError });
          }
        }
        served++;
        const cache = { 'x-bulletin-cache': outcome.kind === 'hit' ? 'hit' : 'miss' };
        if (format === 'json') return send(res, 200, JSON_TYPE, out.json, cache);
        if (format === 'csv' && isCsvTable(table)) {
          const name = `bulletin-${out.week}${zone ? `-${zone}` : ''}-${table}.csv`;
          const tables = url.searchParams.get('lang') === 'en' ? out.csvEn : out.csv;
          return send(res, 200, 'text/csv; charset=utf-8', tables[table], {
            ...cache,
            'content-disposition': `attachment; filename="${name}"`,
          });
        }
        send(res, 200, 'text/html; charset=utf-8', out.html, cache);
      });
    },
    async stop(): Promise<void> {
      await runner?.stop();
      runner = null;
    },
    health: () => ({ ok: lastError === null, served, lastError, jobs: jobs?.stats() ?? null }),
  };
}
