// Live alerts: the store (by id), the wall (grouped by zone with counts,
// panics first, then by priority and age), the full-screen panic overlay
// with its timer, the siren and desktop notifications, and the console's
// inputs (ack, take, checklist, resolve with a classification, first view).
import { card, WAITING } from './cards.js';
import { $, h, replace, toMs } from './dom.js';
import { clock, errorText, fmtDate, t } from './i18n.js';
import { Names } from './names.js';
import { beep, startSiren, stopSiren } from './siren.js';

/** @typedef {import('./types.js').Alert} Alert */
/** @typedef {import('./types.js').ConsoleConfig} ConsoleConfig */
/** @typedef {'ack' | 'resolve' | 'take' | 'view' | 'checklist'} Input */

const OPEN = new Set(['raised', 'escalated', 'acknowledged']);
const HISTORY = 20;
const SEVERITY = { critical: 0, warning: 1, info: 2 };

/**
 * Priority on the wall: waiting panics, other waiting alerts by severity,
 * acknowledged ones, restored troubles waiting for a person last.
 * @param {Alert} a
 */
export function rank(a) {
  if (a.restored) return 9;
  const sev = SEVERITY[a.severity] ?? 2;
  if (WAITING.has(a.state)) return a.kind === 'panic' ? 0 : 1 + sev;
  return a.kind === 'panic' ? 4 : 5 + sev;
}

/** Priority, then age (the longest waiting first). @param {Alert} a @param {Alert} b */
export function byPriority(a, b) {
  return rank(a) - rank(b) || (toMs(a.raisedAt) ?? 0) - (toMs(b.raisedAt) ?? 0);
}

export class AlertDesk {
  /**
   * @param {object} o
   * @param {ConsoleConfig} o.cfg config.json
   * @param {(topic: string, payload: object) => Promise<void>} o.publish
   * @param {() => void} o.onChange re-render hook (the board's tiles)
   * @param {() => void} o.onNews an alert appeared or changed state live (the board refetches)
   */
  constructor({ cfg, publish, onChange, onNews }) {
    this.cfg = cfg;
    this.publish = publish;
    this.onChange = onChange;
    this.onNews = onNews;
    this.names = new Names(cfg);
    /** @type {Map<string, Alert>} */
    this.open = new Map();
    /** @type {Alert[]} */
    this.history = [];
    /** @type {Map<string, number>} */
    this.receivedAt = new Map();
    /** @type {Set<string>} */
    this.silenced = new Set();
    /** @type {Set<string>} */
    this.pending = new Set();
    /** Cards with the resolve picker open. @type {Set<string>} */
    this.resolving = new Set();
    /** What was picked / typed in an open resolve picker. @type {Map<string, { classification: string, note: string }>} */
    this.drafts = new Map();
    /** Grouped cards with their member list open. @type {Set<string>} */
    this.expanded = new Set();
    /** Alerts whose first view was reported. @type {Set<string>} */
    this.viewed = new Set();
    /** @type {string | null} */
    this.error = null;
    document.addEventListener('visibilitychange', () => this.reportViews());
  }

  /**
   * An alert state change from MQTT or the HTTP resync. Returns true when it is news.
   * @param {Alert} alert
   * @param {'mqtt' | 'resync'} [source]
   */
  upsert(alert, source = 'mqtt') {
    if (!alert || typeof alert.id !== 'string') return false;
    const prev = this.open.get(alert.id);
    if (prev && (toMs(prev.updatedAt) ?? 0) > (toMs(alert.updatedAt) ?? 0)) return false; // stale (redelivery)
    if (source === 'mqtt') {
      this.receivedAt.set(alert.id, Date.now());
      this.onNews?.();
    }
    if (alert.groupedInto) {
      // folded into a grouped (storm) card: it shows there, not as a card or in the history
      this.open.delete(alert.id);
      this.render();
      return false;
    }
    if (!OPEN.has(alert.state)) {
      if (prev || !this.history.some((a) => a.id === alert.id)) this.pushHistory(alert);
      this.open.delete(alert.id);
      this.resolving.delete(alert.id);
      this.render();
      return Boolean(prev);
    }
    const isNew = !prev;
    this.open.set(alert.id, alert);
    if (isNew && source === 'mqtt') this.announce(alert);
    this.render();
    return isNew;
  }

  /** @param {Alert} alert */
  pushHistory(alert) {
    this.history = [alert, ...this.history.filter((a) => a.id !== alert.id)].slice(0, HISTORY);
  }

  /**
   * After a (re)connect: the open alerts the gateway knows replace ours;
   * alerts we still show but the gateway no longer has open were closed while
   * we were away (unless a live message about them arrived during the request).
   * @param {Alert[]} list
   * @param {number} requestedAt
   */
  resync(list, requestedAt) {
    const ids = new Set();
    for (const a of list) {
      if (!a || typeof a.id !== 'string') continue;
      ids.add(a.id);
      const isNew = !this.open.has(a.id);
      this.upsert(a, 'resync');
      if (isNew && WAITING.has(a.state)) this.announce(a);
    }
    for (const [id, a] of this.open) {
      // zone-topic alerts not addressed to this unit are not in the unit's list: keep them
      if (ids.has(id) || !this.targetsMe(a) || (this.receivedAt.get(id) ?? 0) > requestedAt) continue;
      this.open.delete(id);
      this.pushHistory({ ...a, state: 'resolved', closedOnResync: true });
    }
    this.render();
  }

  /** @param {Alert} alert */
  announce(alert) {
    if (alert.kind === 'panic' && WAITING.has(alert.state)) {
      if ('Notification' in window && Notification.permission === 'granted') {
        try {
          const n = new Notification(t('notify.panic', { unit: this.names.unit(alert.unit) }), {
            body: fmtDate(toMs(alert.raisedAt) ?? Date.now(), this.cfg.site.timezone, { seconds: true }),
            tag: alert.id,
            requireInteraction: true,
          });
          n.onclick = () => window.focus();
        } catch {
          // some platforms only allow notifications from a service worker
        }
      }
    } else {
      beep();
    }
  }

  /**
   * The topic for an input: a console publishes on its own unit's topics, an admin on the alert's unit's.
   * @param {Alert} a
   * @param {Input} what
   */
  topicFor(a, what) {
    const byUnit = this.cfg.topics[what];
    if (!byUnit) return undefined;
    return this.cfg.account.kind === 'console' ? byUnit[this.cfg.account.unit ?? ''] : byUnit[a.unit];
  }

  /**
   * Whether the alert is addressed to this account (only targets may acknowledge; operators see all).
   * @param {Alert} a
   */
  targetsMe(a) {
    if (this.cfg.account.kind === 'operator') return true;
    return Array.isArray(a.targets) ? a.targets.includes(this.cfg.account.unit ?? '') : true;
  }

  /** @param {Alert} a @param {Input} what */
  canAct(a, what) {
    if (!this.topicFor(a, what)) return false;
    if (what === 'view') return true;
    if (!this.cfg.account.canAck) return false;
    if (what === 'resolve') return this.cfg.account.kind === 'operator' || a.unit === this.cfg.account.unit;
    return this.targetsMe(a);
  }

  /**
   * Publish an input about an alert; the card shows it pending until the broker has it.
   * @param {Alert} a
   * @param {Input} what
   * @param {Record<string, unknown>} [extra]
   */
  async act(a, what, extra = {}) {
    const topic = this.topicFor(a, what);
    if (!topic) return;
    const key = what === 'checklist' ? `checklist:${a.id}:${extra.step}` : `${what}:${a.id}`;
    this.pending.add(key);
    this.render();
    try {
      await this.publish(topic, { id: a.id, ...extra });
      this.error = null;
    } catch (err) {
      this.error = errorText(err) === t('err.network') ? t('err.publish') : errorText(err);
    } finally {
      this.pending.delete(key);
      this.render();
    }
  }

  /** Report the first view of every open card on the wall, while the page is visible. */
  reportViews() {
    if (document.visibilityState !== 'visible') return;
    for (const a of this.open.values()) {
      if (this.viewed.has(a.id) || !this.canAct(a, 'view')) continue;
      const topic = this.topicFor(a, 'view');
      if (!topic) continue;
      this.viewed.add(a.id);
      this.publish(topic, { id: a.id }).catch(() => this.viewed.delete(a.id));
    }
  }

  /** Panics nobody has acknowledged yet, oldest first. */
  waitingPanics() {
    return [...this.open.values()]
      .filter((a) => a.kind === 'panic' && WAITING.has(a.state))
      .sort((a, b) => (toMs(a.raisedAt) ?? 0) - (toMs(b.raisedAt) ?? 0));
  }

  render() {
    const sorted = [...this.open.values()].sort(byPriority);
    /** @type {Map<string, Alert[]>} zones in the order of their most urgent alert */
    const zones = new Map();
    for (const a of sorted) zones.set(a.zone, [...(zones.get(a.zone) ?? []), a]);
    const groups = [...zones].map(([zone, alerts]) => {
      const waiting = alerts.filter((a) => WAITING.has(a.state)).length;
      const count = alerts.reduce((n, a) => n + (a.group?.count ?? 1), 0);
      return h(
        'section',
        { class: 'zone-group', dataset: { zone, count: String(count) } },
        h(
          'h3',
          { class: 'zone-head' },
          h('span', { class: 'zone-name', text: this.names.zone(zone) }),
          h('span', {
            class: 'zone-count',
            text: waiting ? t('zone.countWaiting', { n: count, w: waiting }) : t('zone.count', { n: count }),
          }),
        ),
        alerts.map((a) => card(this, a)),
      );
    });
    replace($('#alerts'), groups.length ? groups : h('p', { class: 'empty', text: t('alerts.none') }));
    replace(
      $('#history'),
      this.history.map((a) => card(this, a, true)),
    );
    const err = $('#alerts-error');
    if (err) {
      err.hidden = this.error === null;
      err.textContent = this.error ?? '';
    }
    this.renderOverlay();
    this.reportViews();
    this.onChange?.();
  }

  renderOverlay() {
    const waiting = this.waitingPanics();
    const shown = waiting.filter((a) => !this.silenced.has(a.id));
    const overlay = $('#panic-overlay');
    document.body.classList.toggle('panic', waiting.length > 0);
    if (shown.length === 0) {
      overlay.hidden = true;
      stopSiren();
      return;
    }
    const a = /** @type {Alert} */ (shown[0]);
    const raised = toMs(a.raisedAt) ?? Date.now();
    overlay.hidden = false;
    overlay.dataset.alertId = a.id;
    $('#overlay-unit').textContent = this.names.unit(a.unit);
    $('#overlay-msg').textContent = a.device ? this.names.device(a.device) : '';
    $('#overlay-time').textContent = fmtDate(raised, this.cfg.site.timezone, { seconds: true });
    const timer = $('#overlay-timer');
    timer.dataset.since = String(raised);
    timer.textContent = clock(Date.now() - raised);
    $('#overlay-more').textContent = shown.length > 1 ? t('overlay.more', { n: shown.length - 1 }) : '';
    const ack = /** @type {HTMLButtonElement} */ ($('#overlay-ack'));
    ack.hidden = !this.canAct(a, 'ack');
    ack.disabled = this.pending.has(`ack:${a.id}`);
    ack.onclick = () => this.act(a, 'ack');
    /** @type {HTMLButtonElement} */ ($('#overlay-silence')).onclick = () => {
      this.silenced.add(a.id);
      this.renderOverlay();
    };
    startSiren();
  }

  /** Update the running timers once a second without rebuilding the cards. */
  tick() {
    for (const el of document.querySelectorAll('.elapsed[data-since]')) {
      if (el instanceof HTMLElement) el.textContent = clock(Date.now() - Number(el.dataset.since));
    }
  }
}
