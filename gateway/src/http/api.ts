/**
 * Read APIs for consoles and tools. Authenticated with HTTP Basic (the same
 * accounts, check and back-off as MQTT: basic-auth.ts); a console sees only
 * its own unit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginGuard } from '../auth/guard.js';
import type { Account } from '../config/site.js';
import type { GatewayQueries, HttpRoutes } from '../ports.js';
import { basicAccount, sendUnauthorised } from './basic-auth.js';
import { sendJson } from './router.js';

export function registerApi(http: HttpRoutes, queries: GatewayQueries, logins: LoginGuard): void {
  const guarded =
    (fn: (account: Account, url: URL, params: Record<string, string>, res: ServerResponse) => void) =>
    async (
      req: IncomingMessage,
      res: ServerResponse,
      params: Record<string, string>,
      url: URL,
    ): Promise<void> => {
      const account = await basicAccount(req, logins);
      if (!account) return sendUnauthorised(res, true);
      fn(account, url, params, res);
    };
  /** A console is confined to its unit; operators may filter freely. */
  const unitFilter = (account: Account, url: URL): string | undefined =>
    account.kind === 'console' ? account.unit.id : (url.searchParams.get('unit') ?? undefined);
  const opt = (url: URL, key: string): string | undefined => url.searchParams.get(key) ?? undefined;

  http.add(
    'GET',
    '/api/alerts',
    guarded((account, url, _p, res) => {
      const alerts = queries.alerts({
        state: opt(url, 'state') ?? 'open',
        unit: unitFilter(account, url),
        zone: opt(url, 'zone'),
        kind: opt(url, 'kind'),
      });
      sendJson(res, 200, { alerts });
    }),
  );
  // one alert with its audit trail (alarm handling, docs/alerts.md "Audit"); a console: its unit's only
  http.add(
    'GET',
    '/api/alerts/:id',
    guarded((account, _url, params, res) => {
      const unit = account.kind === 'console' ? account.unit.id : undefined;
      const alert = queries.alert?.(params.id ?? '', unit) ?? null;
      if (!alert) return sendJson(res, 404, { error: `no alert ${params.id}` });
      sendJson(res, 200, alert);
    }),
  );
  http.add(
    'GET',
    '/api/rollcalls',
    guarded((_a, url, _p, res) => {
      const all = queries.rollcalls();
      sendJson(res, 200, { rollcalls: url.searchParams.get('latest') ? all.slice(0, 1) : all });
    }),
  );
  http.add(
    'GET',
    '/api/rollcalls/:call',
    guarded((_a, _url, params, res) => {
      const call = queries.rollcall(params.call ?? '');
      if (!call) return sendJson(res, 404, { error: `no roll call ${params.call}` });
      sendJson(res, 200, call);
    }),
  );
  http.add(
    'GET',
    '/api/devices',
    guarded((account, url, _p, res) => {
      sendJson(res, 200, {
        devices: queries.devices({ unit: unitFilter(account, url), zone: opt(url, 'zone') }),
      });
    }),
  );
  http.add(
    'GET',
    '/api/tours',
    guarded((account, url, _p, res) => {
      const zone = opt(url, 'zone') ?? (account.kind === 'console' ? account.unit.zone : undefined);
      const since = opt(url, 'since');
      sendJson(res, 200, { tours: queries.tours({ zone, since: since ? Date.parse(since) : undefined }) });
    }),
  );
}
