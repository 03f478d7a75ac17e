// The zone board: unit tiles coloured by state, device health, today's tours
// and the last roll call, refreshed from the gateway's HTTP API.

import { listOf } from './api.js';
import { $, h, replace, toMs } from './dom.js';
import { ago, fmtDate, list, t } from './i18n.js';

/** @typedef {import('./types.js').ConsoleConfig} ConsoleConfig */
/** @typedef {import('./types.js').Alert} Alert */
/** @typedef {import('./alerts.js').AlertDesk} AlertDesk */
/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./types.js').TourRow} TourRow */
/** @typedef {import('./types.js').RollcallResult} RollcallResult */
/** @typedef {import('./types.js').DeviceSnapshot} DeviceSnapshot */
/** @typedef {{ id: string, kind: string | null, unit: string, online: boolean | null, battery: number | null, last: number | null }} Device */

const REFRESH_MS = 20_000;
const PATROL_KINDS = new Set(['patrol_missed', 'patrol_late']);

export class ZoneBoard {
  /** @param {{ cfg: ConsoleConfig, api: Api, desk: AlertDesk }} o */
  constructor({ cfg, api, desk }) {
    this.cfg = cfg;
    this.api = api;
    this.desk = desk;
    this.names = desk.names;
    /** @type {Device[]} */
    this.devices = [];
    /** @type {TourRow[]} */
    this.tours = [];
    /** @type {RollcallResult | null} */
    this.rollcall = null;
    /** @type {Alert[]} */
    this.zoneAlerts = [];
    /** @type {Set<string>} */
    this.errors = new Set();
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.timer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.soon = undefined;
    const acc = cfg.account;
    this.zones = acc.zone ? cfg.site.zones.filter((z) => z.id === acc.zone) : cfg.site.zones;
    this.unitOfCheckpoint = new Map(cfg.site.checkpoints.map((c) => [c.id, c.unit]));
    this.routes = new Map(cfg.site.routes.map((r) => [r.id, r]));
  }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  /** Refresh shortly (an alert just arrived: tours, roll calls or devices changed). */
  refreshSoon() {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => this.refresh(), 500);
  }

  /** @param {string} what @param {() => Promise<void>} fn */
  async load(what, fn) {
    try {
      await fn();
      this.errors.delete(what);
    } catch {
      this.errors.add(what);
    }
  }

  async refresh() {
    const acc = this.cfg.account;
    const today = startOfLocalDay(this.cfg.site.timezone);
    const tasks = [
      this.load('devices', async () => {
        const q = acc.unit ? `?unit=${encodeURIComponent(acc.unit)}` : '';
        this.devices = listOf(await this.api.get(`/api/devices${q}`), 'devices').map(normDevice);
      }),
      this.load('tours', async () => {
        const lists = await Promise.all(
          this.zones.map((z) =>
            this.api.get(
              `/api/tours?zone=${encodeURIComponent(z.id)}&since=${encodeURIComponent(new Date(today).toISOString())}`,
            ),
          ),
        );
        this.tours = lists.flatMap((l) => listOf(l, 'tours'));
      }),
      this.load('rollcalls', async () => {
        this.rollcall = listOf(await this.api.get('/api/rollcalls?latest=1'), 'rollcalls')[0] ?? null;
      }),
    ];
    if (acc.kind === 'operator') {
      tasks.push(
        this.load('alerts', async () => {
          this.zoneAlerts = listOf(await this.api.get('/api/alerts?state=open'), 'alerts');
        }),
      );
    }
    await Promise.all(tasks);
    this.render();
  }

  /**
   * Retained gp/v1/rollcall/{call}/result messages (operators): the same view as /api/rollcalls.
   * @param {RollcallResult | null} doc
   */
  onRollcallResult(doc) {
    if (!doc || typeof doc.call !== 'string') return;
    const known = toMs(this.rollcall?.startedAt) ?? 0;
    if (!this.rollcall || (toMs(doc.startedAt) ?? 0) >= known) this.rollcall = doc;
    this.render();
  }

  /** @param {string} unitId */
  unitState(unitId) {
    const open = [...this.desk.open.values(), ...this.zoneAlerts].filter(
      (a) => a.unit === unitId && a.state !== 'resolved',
    );
    if (open.some((a) => !PATROL_KINDS.has(a.kind) && a.kind !== 'device_offline')) return 'alert';
    if (
      open.some((a) => a.kind === 'device_offline') ||
      this.devices.some((d) => d.unit === unitId && d.online === false)
    ) {
      return 'offline';
    }
    if (open.some((a) => PATROL_KINDS.has(a.kind)) || this.overdueUnits().has(unitId)) return 'overdue';
    return 'ok';
  }

  overdueUnits() {
    const units = new Set();
    for (const tour of this.tours) {
      const status = tour.state ?? tour.status;
      const late = Array.isArray(tour.late) && tour.late.length > 0;
      const overdue = status === 'open' && (toMs(tour.deadline) ?? Number.POSITIVE_INFINITY) < Date.now();
      if (status !== 'missed' && status !== 'late' && !late && !overdue) continue;
      const route = this.routes.get(tour.route);
      for (const cp of route?.checkpoints ?? []) {
        const u = this.unitOfCheckpoint.get(cp);
        if (u) units.add(u);
      }
    }
    return units;
  }

  render() {
    const acc = this.cfg.account;
    const tz = this.cfg.site.timezone;
    const zones = this.zones.map((z) => {
      const units = this.cfg.site.units.filter((u) => u.zone === z.id);
      return h(
        'div',
        { class: 'zone' },
        this.zones.length > 1 ? h('h3', { text: z.name }) : null,
        h(
          'div',
          { class: 'tiles' },
          units.map((u) => {
            const state = this.unitState(u.id);
            const devs = this.devices.filter((d) => d.unit === u.id);
            const down = devs.filter((d) => d.online === false).length;
            return h(
              'div',
              {
                class: `tile tile-${state}${u.id === acc.unit ? ' tile-mine' : ''}`,
                dataset: { unit: u.id, state },
              },
              h('div', { class: 'tile-name', text: u.name }),
              h(
                'div',
                { class: 'tile-state', text: t(`board.legend.${state}`) },
                u.id === acc.unit ? h('span', { class: 'tile-tag', text: ` · ${t('board.mine')}` }) : null,
              ),
              devs.length
                ? h('div', {
                    class: 'tile-devs',
                    text: `${devs.length - down}/${devs.length} ${t('dev.yes')}`,
                  })
                : null,
            );
          }),
        ),
      );
    });
    replace($('#zones'), zones);

    replace(
      $('#tours'),
      this.tours.length
        ? this.tours.map((tour) => {
            const expected = Number(tour.expected ?? this.routes.get(tour.route)?.checkpoints.length ?? 0);
            const visited = Array.isArray(tour.visited) ? tour.visited.length : Number(tour.visited ?? 0);
            const pct = expected > 0 ? Math.min(100, Math.round((visited / expected) * 100)) : 0;
            const status = tour.state ?? tour.status ?? 'open';
            const started = toMs(tour.startedAt);
            return h(
              'div',
              { class: `tour tour-${status}` },
              h(
                'div',
                { class: 'tour-head' },
                h('span', {
                  class: 'tour-route',
                  text: tour.routeName ?? this.routes.get(tour.route)?.name ?? tour.route,
                }),
                h('span', { class: 'tour-status', text: t(`tour.status.${status}`) }),
                started ? h('span', { class: 'tour-time', text: fmtDate(started, tz) }) : null,
                tour.guard ? h('span', { class: 'tour-guard', text: this.names.guard(tour.guard) }) : null,
              ),
              h(
                'div',
                {
                  class: 'progress',
                  role: 'progressbar',
                  'aria-valuenow': pct,
                  'aria-valuemin': 0,
                  'aria-valuemax': 100,
                },
                h('div', { class: 'bar', style: { width: `${pct}%` } }),
              ),
              h('div', { class: 'tour-count', text: `${visited}/${expected}` }),
            );
          })
        : h('p', { class: 'empty', text: t('board.noTours') }),
    );

    replace($('#rollcall'), this.renderRollcall());

    const devs = acc.unit ? this.devices.filter((d) => d.unit === acc.unit) : this.devices;
    replace(
      $('#devices'),
      devs.length
        ? h(
            'table',
            { class: 'devices' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                DEVICE_COLUMNS.map((k) => h('th', { text: t(k) })),
              ),
            ),
            h(
              'tbody',
              {},
              devs.map((d) =>
                h(
                  'tr',
                  { class: d.online === false ? 'down' : '', dataset: { device: d.id } },
                  // data-label: the phone layout shows each row as a small card with labels
                  h(
                    'td',
                    { class: 'dev-name', 'data-label': t('dev.id') },
                    this.names.devices.get(d.id)?.location ?? '',
                    h('small', { text: d.id }),
                  ),
                  h('td', { 'data-label': t('dev.kind'), text: d.kind ? t(`dev.kind.${d.kind}`) : '' }),
                  h('td', {
                    class: 'online',
                    'data-label': t('dev.online'),
                    text: d.online === null ? '—' : d.online ? `● ${t('dev.yes')}` : `○ ${t('dev.no')}`,
                  }),
                  h('td', {
                    class: d.battery !== null && d.battery < 20 ? 'low' : '',
                    'data-label': t('dev.battery'),
                    text: d.battery === null ? '—' : `${d.battery}%`,
                  }),
                  h('td', { 'data-label': t('dev.last'), text: d.last ? ago(Date.now() - d.last) : '—' }),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty', text: t('board.noDevices') }),
    );
    const err = $('#board-error');
    err.hidden = this.errors.size === 0;
    err.textContent = this.errors.size
      ? t('board.apiError', { what: list([...this.errors].map((w) => t(`board.part.${w}`))) })
      : '';
  }

  renderRollcall() {
    const rc = this.rollcall;
    if (!rc) return h('p', { class: 'empty', text: t('board.noRollcall') });
    const scope = this.cfg.account.zone;
    const rows = (Array.isArray(rc.units) ? rc.units : []).filter((r) => !scope || r.zone === scope);
    const when = toMs(rc.deadline ?? rc.startedAt);
    return h(
      'div',
      { class: `rollcall rc-${rc.state ?? 'closed'}` },
      h('div', { class: 'rc-head', text: when ? fmtDate(when, this.cfg.site.timezone) : '' }),
      rows.map((r) => {
        const present = countOf(r.present) + countOf(r.late);
        /** @type {string[]} */
        const absent = Array.isArray(r.absent)
          ? r.absent.map((/** @type {unknown} */ g) => this.nameOf(g))
          : [];
        return h(
          'div',
          { class: `rc-unit${absent.length ? ' rc-absent' : ''}`, dataset: { unit: r.unit } },
          h('span', { class: 'rc-name', text: this.names.unit(r.unit) }),
          h('span', { class: 'rc-present', text: t('rc.present', { n: present }) }),
          h('span', { class: 'rc-absent-n', text: t('rc.absent', { n: absent.length }) }),
          absent.length
            ? h('div', { class: 'rc-who', text: t('rc.absentees', { names: list(absent) }) })
            : null,
        );
      }),
    );
  }

  /**
   * A guard in a roll-call view: an object with a name, or a bare id (named from config).
   * @param {unknown} g
   */
  nameOf(g) {
    if (typeof g === 'string') return this.names.guard(g);
    const o = /** @type {{ name?: string, guard?: string } | null} */ (g);
    return o?.name ?? (o?.guard ? this.names.guard(o.guard) : '?');
  }
}

const DEVICE_COLUMNS = ['dev.id', 'dev.kind', 'dev.online', 'dev.battery', 'dev.last'];

/** @param {unknown} v */
function countOf(v) {
  return Array.isArray(v) ? v.length : Number(v ?? 0) || 0;
}

/**
 * Tolerant of the field names a device snapshot may use.
 * @param {DeviceSnapshot} d
 * @returns {Device}
 */
function normDevice(d) {
  const online =
    typeof d.online === 'boolean' ? d.online : typeof d.status === 'string' ? d.status === 'online' : null;
  return {
    id: d.id ?? d.device ?? '',
    kind: d.kind ?? null,
    unit: d.unit,
    online,
    battery: typeof d.battery === 'number' ? d.battery : null,
    last: toMs(d.lastHeartbeat ?? d.lastHeartbeatAt ?? d.lastSeen ?? d.lastSeenAt ?? d.at ?? null),
  };
}

/**
 * Epoch ms of today's local midnight in the site's timezone.
 * @param {string} timeZone
 */
function startOfLocalDay(timeZone) {
  const now = Date.now();
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(now);
    const get = (/** @type {string} */ type) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return now - ((get('hour') * 60 + get('minute')) * 60 + get('second')) * 1000 - (now % 1000);
  } catch {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }
}
