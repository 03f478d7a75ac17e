/**
 * GET /bulletin?week=2026-W48&zone=east[&format=html|json|csv&table=…]
 * computed on request from the journal. Operators see any zone; a console
 * account sees its own zone only.
 */
import type { ServerResponse } from 'node:http';
import { PasswordVerifier } from '../auth/password.js';
import { basicAccount, sendUnauthorised } from '../console/auth.js';
import type { Extension, GatewayContext } from '../runtime/context.js';
import { computeBulletin } from './compute.js';
import { loadBulletinEntries } from './load.js';
import { CSV_TABLES, type CsvTable, renderBulletinCsv } from './render-csv.js';
import { renderBulletinHtml } from './render-html.js';
import { weekOf } from './week.js';

export interface BulletinExtensionOptions {
  /** Require console/operator HTTP Basic auth (default true). */
  auth?: boolean;
  /** Share the gateway's verifier cache; a private one otherwise. */
  verifier?: PasswordVerifier;
  /** Clock for the default week (tests). */
  now?: () => number;
}

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

const isCsvTable = (t: string): t is CsvTable => (CSV_TABLES as readonly string[]).includes(t);

export function createBulletinExtension(options: BulletinExtensionOptions = {}): Extension {
  const verifier = options.verifier ?? new PasswordVerifier();
  const now = options.now ?? Date.now;
  let served = 0;
  let lastError: string | null = null;
  return {
    name: 'bulletin',
    async start(ctx: GatewayContext): Promise<void> {
      const { site } = ctx;
      ctx.http.add('GET', '/bulletin', async (req, res, _params, url) => {
        let zone = url.searchParams.get('zone') || undefined;
        if (options.auth !== false) {
          const account = await basicAccount(req, site, verifier);
          if (!account) return sendUnauthorised(res, true);
          if (account.kind === 'console') {
            if (zone !== undefined && zone !== account.unit.zone) {
              return send(
                res,
                403,
                'application/json; charset=utf-8',
                JSON.stringify({ error: `console ${account.id} may see zone ${account.unit.zone} only` }),
              );
            }
            zone = account.unit.zone;
          }
        }
        const week = url.searchParams.get('week') || weekOf(now(), site.timezone);
        const format = url.searchParams.get('format') ?? 'html';
        if (zone !== undefined && !site.zones.has(zone)) {
          return send(
            res,
            400,
            'application/json; charset=utf-8',
            JSON.stringify({ error: `unknown zone "${zone}"` }),
          );
        }
        if (!/^\d{4}-W\d{2}$/.test(week)) {
          return send(
            res,
            400,
            'application/json; charset=utf-8',
            JSON.stringify({ error: 'week must look like 2026-W48' }),
          );
        }
        let bulletin: ReturnType<typeof computeBulletin>;
        try {
          const entries = loadBulletinEntries(ctx.journal, week, site.timezone);
          bulletin = computeBulletin({ site, entries, week, ...(zone ? { zone } : {}), now: now() });
          lastError = null;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
          ctx.logger.warn({ err, week, zone }, 'bulletin failed');
          return send(res, 400, 'application/json; charset=utf-8', JSON.stringify({ error: lastError }));
        }
        served++;
        if (format === 'json')
          return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(bulletin));
        if (format === 'csv') {
          const table = url.searchParams.get('table') ?? '';
          if (!isCsvTable(table)) {
            return send(
              res,
              400,
              'application/json; charset=utf-8',
              JSON.stringify({ error: 'table= one of the CSV tables', tables: CSV_TABLES }),
            );
          }
          const name = `bulletin-${bulletin.week}${zone ? `-${zone}` : ''}-${table}.csv`;
          return send(res, 200, 'text/csv; charset=utf-8', renderBulletinCsv(bulletin)[table], {
            'content-disposition': `attachment; filename="${name}"`,
          });
        }
        if (format !== 'html') {
          return send(
            res,
            400,
            'application/json; charset=utf-8',
            JSON.stringify({ error: 'format must be html, json or csv' }),
          );
        }
        send(res, 200, 'text/html; charset=utf-8', renderBulletinHtml(bulletin));
      });
    },
    async stop(): Promise<void> {},
    health: () => ({ ok: lastError === null, served, lastError }),
  };
}
