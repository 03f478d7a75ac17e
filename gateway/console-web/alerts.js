// Live alerts: the store (by id), the cards, the full-screen panic overlay,
// the siren and desktop notifications.
import { $, h, replace, toMs } from './dom.js';
import { clock, t } from './i18n.js';
import { beep, startSiren, stopSiren } from './siren.js';

const OPEN = new Set(['raised', 'escalated', 'acknowledged']);
const WAITING = new Set(['raised', 'escalated']);
const HISTORY = 20;

export class AlertDesk {
  /**
   * @param {object} o
   * @param {object} o.cfg config.json
   * @param {(topic: string, payload: object) => Promise<void>} o.publish
   * @param {() => void} o.onChange re-render hook (the board's tiles)
   * @param {() => void} o.onNews an alert appeared or changed state live (the board refetches)
   */
  constructor({ cfg, publish, onChange, onNews }) {
    this.cfg = cfg;
    this.publish = publish;
    this.onChange = onChange;
    this.onNews = onNews;
    this.open = new Map();
    this.history = [];
    this.receivedAt = new Map();
    this.silenced = new Set();
    this.pending = new Set();
    this.units = new Map(cfg.site.units.map((u) => [u.id, u]));
  }

  unitLabel(id) {
    const u = this.units.get(id);
    return u ? `${u.id} ${u.name}` : id;
  }

  /** An alert state change from MQTT or the HTTP resync. Returns true when it is news. */
  upsert(alert, source = 'mqtt') {
    if (!alert || typeof alert.id !== 'string') return false;
    const prev = this.open.get(alert.id);
    if (prev && toMs(prev.updatedAt) > toMs(alert.updatedAt)) return false; // stale (redelivery)
    if (source === 'mqtt') {
      this.receivedAt.set(alert.id, Date.now());
      this.onNews?.();
    }
    if (!OPEN.has(alert.state)) {
      if (prev || !this.history.some((a) => a.id === alert.id)) this.pushHistory(alert);
      this.open.delete(alert.id);
      this.render();
      return Boolean(prev);
    }
    const isNew = !prev;
    this.open.set(alert.id, alert);
    if (isNew && source === 'mqtt') this.announce(alert);
    this.render();
    return isNew;
  }

  pushHistory(alert) {
    this.history = [alert, ...this.history.filter((a) => a.id !== alert.id)].slice(0, HISTORY);
  }

  /**
   * After a (re)connect: the open alerts the gateway knows replace ours;
   * alerts we still show but the gateway no longer has open were closed while
   * we were away (unless a live message about them arrived during the request).
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

  announce(alert) {
    if (alert.kind === 'panic' && WAITING.has(alert.state)) {
      if ('Notification' in window && Notification.permission === 'granted') {
        try {
          const n = new Notification(t('notify.panic', { unit: this.unitLabel(alert.unit) }), {
            body: this.messageOf(alert),
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

  messageOf(a) {
    const lang = document.documentElement.lang === 'en' ? 'en' : 'zh';
    return (lang === 'en' ? a.messageEn : a.messageZh) || a.message || '';
  }

  ackTopic(a) {
    // a console acknowledges on its own unit's topic; an admin on the alert's unit
    return this.cfg.account.kind === 'console'
      ? this.cfg.topics.ack[this.cfg.account.unit]
      : this.cfg.topics.ack[a.unit];
  }

  resolveTopic(a) {
    return this.cfg.account.kind === 'console'
      ? this.cfg.topics.resolve[this.cfg.account.unit]
      : this.cfg.topics.resolve[a.unit];
  }

  /** Whether the alert is addressed to this account (only targets may acknowledge; operators see all). */
  targetsMe(a) {
    if (this.cfg.account.kind === 'operator') return true;
    return Array.isArray(a.targets) ? a.targets.includes(this.cfg.account.unit) : true;
  }

  canResolve(a) {
    if (!this.cfg.account.canAck) return false;
    return this.cfg.account.kind === 'operator' || a.unit === this.cfg.account.unit;
  }

  async act(a, what) {
    const topic = what === 'ack' ? this.ackTopic(a) : this.resolveTopic(a);
    if (!topic) return;
    this.pending.add(`${what}:${a.id}`);
    this.render();
    try {
      await this.publish(topic, { id: a.id });
    } finally {
      this.pending.delete(`${what}:${a.id}`);
      this.render();
    }
  }

  /** Panics nobody has acknowledged yet, oldest first. */
  waitingPanics() {
    return [...this.open.values()]
      .filter((a) => a.kind === 'panic' && WAITING.has(a.state))
      .sort((a, b) => toMs(a.raisedAt) - toMs(b.raisedAt));
  }

  card(a, closed = false) {
    const raised = toMs(a.raisedAt) ?? Date.now();
    const cls = [
      'alert',
      `kind-${a.kind}`,
      `state-${a.state}`,
      `sev-${a.severity}`,
      a.escalated || a.state === 'escalated' ? 'escalated' : '',
      a.unit === this.cfg.account.unit ? 'mine' : '',
    ].join(' ');
    const actions = [];
    if (!closed && this.cfg.account.canAck) {
      if (WAITING.has(a.state) && this.targetsMe(a)) {
        actions.push(
          h('button', {
            class: 'ack',
            type: 'button',
            disabled: this.pending.has(`ack:${a.id}`),
            text: t('alerts.ack'),
            onclick: () => this.act(a, 'ack'),
          }),
        );
      }
      if (this.canResolve(a)) {
        actions.push(
          h('button', {
            class: 'resolve',
            type: 'button',
            disabled: this.pending.has(`resolve:${a.id}`),
            text: t('alerts.resolve'),
            onclick: () => this.act(a, 'resolve'),
          }),
        );
      }
    }
    let ackLine = null;
    if (a.ackBy) {
      ackLine =
        typeof a.ackMs === 'number'
          ? t('alerts.ackBy', { by: a.ackBy, secs: (a.ackMs / 1000).toFixed(1) })
          : t('alerts.ackByNoTime', { by: a.ackBy });
    }
    const details = Array.isArray(a.details) && a.details.length > 0 ? a.details.join('、') : null;
    return h(
      'article',
      { class: cls, dataset: { alertId: a.id, state: a.state, kind: a.kind } },
      h(
        'div',
        { class: 'alert-head' },
        h('span', { class: 'kind', text: t(`kind.${a.kind}`) }),
        h('span', { class: 'state', text: t(`state.${a.state}`) }),
        h('span', { class: 'unit', text: this.unitLabel(a.unit) }),
      ),
      h('div', { class: 'msg', text: this.messageOf(a) }),
      details ? h('div', { class: 'details', text: details }) : null,
      h(
        'div',
        { class: 'meta' },
        h('time', { datetime: a.raisedAt, text: fmtTime(raised, this.cfg.site.timezone) }),
        closed
          ? null
          : h('span', {
              class: 'elapsed',
              dataset: { since: String(raised) },
              text: clock(Date.now() - raised),
            }),
        a.device ? h('span', { class: 'device', text: a.device }) : null,
      ),
      a.escalated || a.state === 'escalated'
        ? h('div', { class: 'escalation', text: t('alerts.escalated') })
        : null,
      ackLine ? h('div', { class: 'ackinfo', text: ackLine }) : null,
      closed && a.resolvedBy
        ? h('div', { class: 'ackinfo', text: t('alerts.resolvedBy', { by: a.resolvedBy }) })
        : null,
      closed && a.closedOnResync ? h('div', { class: 'ackinfo', text: t('alerts.closedOnResync') }) : null,
      actions.length ? h('div', { class: 'actions' }, actions) : null,
    );
  }

  render() {
    const list = [...this.open.values()].sort(
      (a, b) => rank(a) - rank(b) || (toMs(b.raisedAt) ?? 0) - (toMs(a.raisedAt) ?? 0),
    );
    replace(
      $('#alerts'),
      list.length ? list.map((a) => this.card(a)) : h('p', { class: 'empty', text: t('alerts.none') }),
    );
    replace(
      $('#history'),
      this.history.map((a) => this.card(a, true)),
    );
    this.renderOverlay();
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
    const a = shown[0];
    overlay.hidden = false;
    overlay.dataset.alertId = a.id;
    $('#overlay-unit').textContent = this.unitLabel(a.unit);
    $('#overlay-msg').textContent = this.messageOf(a);
    $('#overlay-more').textContent = shown.length > 1 ? t('overlay.more', { n: shown.length - 1 }) : '';
    const ack = $('#overlay-ack');
    ack.hidden = !this.cfg.account.canAck || !this.targetsMe(a);
    ack.disabled = this.pending.has(`ack:${a.id}`);
    ack.onclick = () => this.act(a, 'ack');
    $('#overlay-silence').onclick = () => {
      this.silenced.add(a.id);
      this.renderOverlay();
    };
    startSiren();
  }

  /** Update the running timers once a second without rebuilding the cards. */
  tick() {
    for (const el of document.querySelectorAll('.elapsed[data-since]')) {
      el.textContent = clock(Date.now() - Number(el.dataset.since));
    }
  }
}

function rank(a) {
  if (a.kind === 'panic' && WAITING.has(a.state)) return 0;
  if (WAITING.has(a.state)) return 1;
  return 2;
}

export function fmtTime(ms, timeZone) {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone,
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    }).format(ms);
  } catch {
    return new Date(ms).toLocaleString();
  }
}
