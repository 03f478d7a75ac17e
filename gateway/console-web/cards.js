// One alert card: what happened in words built from names (never the ids in
// the server's message), press time and running timer, device and the
// unit's phone and address, ladder level and who has been told, the owner
// with a Take button, checklist ticks, and the resolve picker (a
// classification is required). Drill and test cards are marked.
import { h, toMs } from './dom.js';
import { clock, duration, fmtDate, getLang, list, t } from './i18n.js';

/** @typedef {import('./types.js').Alert} Alert */
/** @typedef {import('./alerts.js').AlertDesk} AlertDesk */

export const WAITING = new Set(['raised', 'escalated']);
export const CLASSIFICATIONS = /** @type {const} */ (['real', 'false', 'test', 'drill']);

/** The raise text without the state decoration the gateway prefixes (【已确认…】 / [ACKNOWLEDGED…]). @param {string} s */
function undecorated(s) {
  return s.replace(/^【[^】]*】/, '').replace(/^\[[^\]]*\] /, '');
}

/** Seconds of silence the gateway put in a device_offline text (v1 has no field for it). @param {Alert} a */
function silentMs(a) {
  const m = /silent for ([\d.]+) s/.exec(a.messageEn ?? a.message ?? '');
  return m ? Number(m[1]) * 1000 : null;
}

/**
 * The card's sentence, from the alert's fields and the config's names.
 * @param {AlertDesk} desk
 * @param {Alert} a
 */
export function sentence(desk, a) {
  const n = desk.names;
  const en = getLang() === 'en';
  const dev = a.device ? n.device(a.device) : '';
  // a grouped (storm) card of any kind: its count, the members are listed below
  if (a.group) return t('alerts.group', { n: a.group.count, kind: t(`kind.${a.kind}`) });
  switch (a.kind) {
    case 'panic':
      return t('msg.panic', { unit: n.unit(a.unit), device: dev });
    case 'tamper':
      return t('msg.tamper', { device: dev || n.unit(a.unit) });
    case 'device_offline': {
      if (a.restored) return t('msg.offlineRestored', { device: dev });
      const ms = silentMs(a);
      if (ms !== null)
        return t('msg.offlineSilent', { device: dev, silent: t('alerts.silent', { dur: duration(ms) }) });
      return t('msg.offlineGone', { device: dev });
    }
    case 'patrol_missed':
      return t('msg.patrolMissed', {
        route: n.route(a.route),
        names: list((a.details ?? []).map((c) => n.checkpoint(c))),
      });
    case 'patrol_late':
      return a.checkpoint
        ? t('msg.patrolLateAt', { route: n.route(a.route), checkpoint: n.checkpoint(a.checkpoint) })
        : t('msg.patrolLate', { route: n.route(a.route) });
    case 'rollcall_absent':
      return t('msg.absent', { unit: n.unit(a.unit), names: list((a.details ?? []).map((g) => n.guard(g))) });
    default: {
      // custom: the operator's own words, after the gateway's "who / for whom" prefix
      const raw = undecorated((en ? a.messageEn : a.messageZh) ?? a.message ?? '');
      return raw.replace(/^.*?通知（[^）]*）：/, '').replace(/^Notice for .*? \(from [^)]*\): /, '');
    }
  }
}

/** Why a level skipped someone, in words (an unknown reason reads "not told"). @param {string | undefined} r */
function reasonText(r) {
  const key = `reason.${r ?? 'other'}`;
  const s = t(key);
  return s === key ? t('reason.other') : s;
}

/**
 * Who has been told, level by level (`levels`), else the flat `notified` list.
 * @param {AlertDesk} desk
 * @param {Alert} a
 */
function ladder(desk, a) {
  const n = desk.names;
  if (Array.isArray(a.levels) && a.levels.length > 0) {
    return h(
      'ol',
      { class: 'ladder' },
      a.levels.map((l) => {
        const told = (l.targets ?? []).map((id, i) =>
          desk.names.units.has(id) ? n.unit(id) : n.isAccount(id) ? n.account(id) : (l.names?.[i] ?? id),
        );
        const skipped = (l.skipped ?? []).map((s) =>
          t('alerts.skipped', {
            name: s.unit ? n.unit(s.unit) : n.account(s.account),
            reason: reasonText(s.reason),
          }),
        );
        return h('li', {
          class: l.level === a.level ? 'current' : '',
          dataset: { level: String(l.level) },
          text: t('alerts.ladder', { n: l.level, names: list([...told, ...skipped]) }),
        });
      }),
    );
  }
  if (Array.isArray(a.notified) && a.notified.length > 0) {
    return h('div', {
      class: 'notified',
      text: t('alerts.notified', { names: list(a.notified.map((x) => n.told(x))) }),
    });
  }
  if (a.escalated || a.state === 'escalated')
    return h('div', { class: 'escalation', text: t('alerts.escalated') });
  return null;
}

/** @param {AlertDesk} desk @param {Alert} a */
function contact(desk, a) {
  const u = desk.names.units.get(a.unit);
  const bits = [];
  if (a.device)
    bits.push(
      h('span', { class: 'device', text: t('alerts.device', { device: desk.names.device(a.device) }) }),
    );
  if (u?.phone) {
    bits.push(
      h('a', {
        class: 'phone',
        href: `tel:${u.phone.replace(/[^\d+]/g, '')}`,
        text: t('alerts.contact', { phone: u.phone }),
      }),
    );
  }
  if (u?.address)
    bits.push(h('span', { class: 'address', text: t('alerts.address', { address: u.address }) }));
  return bits.length ? h('div', { class: 'contact' }, bits) : null;
}

/** @param {AlertDesk} desk @param {Alert} a @param {boolean} closed */
function checklist(desk, a, closed) {
  if (!Array.isArray(a.checklist) || a.checklist.length === 0) return null;
  const en = getLang() === 'en';
  const may = !closed && desk.canAct(a, 'checklist');
  return h(
    'fieldset',
    { class: 'checklist' },
    h('legend', { text: t('alerts.checklist') }),
    a.checklist.map((s) =>
      h(
        'label',
        { class: s.done ? 'done' : '', dataset: { step: s.step } },
        h('input', {
          type: 'checkbox',
          checked: s.done === true,
          disabled: !may || desk.pending.has(`checklist:${a.id}:${s.step}`),
          onchange: (/** @type {Event} */ ev) =>
            desk.act(a, 'checklist', {
              step: s.step,
              done: /** @type {HTMLInputElement} */ (ev.target).checked,
            }),
        }),
        ` ${(en ? s.textEn : s.text) ?? s.text ?? s.step}`,
        s.done && s.by ? h('small', { text: ` · ${desk.names.account(s.by)}` }) : null,
      ),
    ),
  );
}

/**
 * The resolve picker: a classification (required) and a note. What was
 * picked or typed is kept in desk.drafts, so a re-render (a new alert
 * arriving) does not wipe it.
 * @param {AlertDesk} desk
 * @param {Alert} a
 */
function resolveForm(desk, a) {
  const name = `class-${a.id}`;
  const draft = desk.drafts.get(a.id) ?? { classification: '', note: '' };
  desk.drafts.set(a.id, draft);
  return h(
    'form',
    {
      class: 'resolve-form',
      onsubmit: (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        const form = /** @type {HTMLFormElement} */ (ev.currentTarget);
        const picked = /** @type {HTMLInputElement | null} */ (
          form.querySelector(`input[name="${name}"]:checked`)
        );
        const note = /** @type {HTMLTextAreaElement} */ (form.querySelector('textarea')).value.trim();
        if (!picked) {
          /** @type {HTMLElement} */ (form.querySelector('.need')).hidden = false;
          return;
        }
        desk.resolving.delete(a.id);
        desk.drafts.delete(a.id);
        desk.act(a, 'resolve', { classification: picked.value, ...(note ? { note } : {}) });
      },
    },
    h('div', { class: 'resolve-title', text: t('resolve.title') }),
    h(
      'div',
      { class: 'classes', role: 'radiogroup' },
      CLASSIFICATIONS.map((c) =>
        h(
          'label',
          {},
          h('input', {
            type: 'radio',
            name,
            value: c,
            required: true,
            checked: draft.classification === c,
            onchange: () => {
              draft.classification = c;
            },
          }),
          ` ${t(`class.${c}`)}`,
        ),
      ),
    ),
    h(
      'textarea',
      {
        rows: 2,
        maxlength: 500,
        placeholder: t('resolve.note'),
        'aria-label': t('resolve.note'),
        oninput: (/** @type {Event} */ ev) => {
          draft.note = /** @type {HTMLTextAreaElement} */ (ev.target).value;
        },
      },
      draft.note,
    ),
    h('p', { class: 'need error', hidden: true, text: t('resolve.need') }),
    h(
      'div',
      { class: 'actions' },
      h('button', { class: 'resolve', type: 'submit', text: t('resolve.confirm') }),
      h('button', {
        type: 'button',
        text: t('resolve.cancel'),
        onclick: () => {
          desk.resolving.delete(a.id);
          desk.drafts.delete(a.id);
          desk.render();
        },
      }),
    ),
  );
}

/**
 * @param {AlertDesk} desk
 * @param {Alert} a
 * @param {boolean} [closed] a history card
 */
export function card(desk, a, closed = false) {
  const n = desk.names;
  const tz = desk.cfg.site.timezone;
  const raised = toMs(a.raisedAt) ?? Date.now();
  const escalated = a.escalated || a.state === 'escalated';
  const cls = [
    'alert',
    `kind-${a.kind}`,
    `state-${a.state}`,
    `sev-${a.severity}`,
    escalated ? 'escalated' : '',
    a.unit === desk.cfg.account.unit ? 'mine' : '',
    a.mode ? `mode-${a.mode}` : '',
    a.group ? 'grouped' : '',
    a.restored ? 'restored' : '',
  ].join(' ');
  const actions = [];
  const pending = (/** @type {string} */ what) => desk.pending.has(`${what}:${a.id}`);
  if (!closed && desk.canAct(a, 'ack') && WAITING.has(a.state)) {
    actions.push(
      h('button', {
        class: 'ack',
        type: 'button',
        disabled: pending('ack'),
        text: t('alerts.ack'),
        onclick: () => desk.act(a, 'ack'),
      }),
    );
  }
  const mine = a.owner?.account === desk.cfg.account.id;
  if (!closed && desk.canAct(a, 'take') && !mine) {
    actions.push(
      h('button', {
        class: 'take',
        type: 'button',
        disabled: pending('take'),
        text: t('alerts.take'),
        onclick: () => desk.act(a, 'take'),
      }),
    );
  }
  const resolving = !closed && desk.resolving.has(a.id);
  if (!closed && desk.canAct(a, 'resolve') && !resolving) {
    actions.push(
      h('button', {
        class: 'resolve',
        type: 'button',
        disabled: pending('resolve'),
        text: t('alerts.resolve'),
        onclick: () => {
          desk.resolving.add(a.id);
          desk.render();
        },
      }),
    );
  }
  let ackLine = null;
  if (a.ackBy) {
    ackLine =
      typeof a.ackMs === 'number'
        ? t('alerts.ackBy', { by: n.account(a.ackBy), dur: duration(a.ackMs) })
        : t('alerts.ackByNoTime', { by: n.account(a.ackBy) });
  }
  let closedLine = null;
  if (closed && a.closedOnResync) closedLine = t('alerts.closedOnResync');
  else if (closed && a.resolvedBy === 'system') closedLine = t('alerts.resolvedBySystem');
  else if (closed && a.resolvedBy) closedLine = t('alerts.resolvedBy', { by: n.account(a.resolvedBy) });
  const members = a.group?.members ?? [];
  return h(
    'article',
    {
      class: cls,
      dataset: {
        alertId: a.id,
        state: a.state,
        kind: a.kind,
        zone: a.zone,
        ...(a.mode ? { mode: a.mode } : {}),
      },
    },
    h(
      'div',
      { class: 'alert-head' },
      a.mode ? h('span', { class: 'mode', text: t(`mode.${a.mode}`) }) : null,
      h('span', { class: 'kind', text: t(`kind.${a.kind}`) }),
      h('span', {
        class: 'state',
        text: a.restored && !closed ? t('alerts.restored') : t(`state.${a.state}`),
      }),
      typeof a.level === 'number'
        ? h('span', { class: 'level', text: t('alerts.level', { n: a.level }) })
        : null,
      h('span', { class: 'unit', text: a.group ? n.zone(a.zone) : n.unit(a.unit) }),
    ),
    h('div', { class: 'msg', text: sentence(desk, a) }),
    a.group?.restoredCount
      ? h('div', { class: 'details', text: t('alerts.groupRestored', { n: a.group.restoredCount }) })
      : null,
    members.length
      ? h(
          'details',
          {
            class: 'members',
            open: desk.expanded.has(a.id),
            ontoggle: (/** @type {Event} */ ev) => {
              if (/** @type {HTMLDetailsElement} */ (ev.target).open) desk.expanded.add(a.id);
              else desk.expanded.delete(a.id);
            },
          },
          h('summary', { text: t('alerts.groupMembers', { n: members.length }) }),
          h(
            'ul',
            {},
            members.map((m) =>
              h('li', {
                class: m.restored ? 'restored' : '',
                text: `${n.unit(m.unit)}${getLang() === 'en' ? ': ' : '：'}${m.device ? n.device(m.device) : ''}${m.restored ? ` · ${t('alerts.restored')}` : ''}`,
              }),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'meta' },
      h('time', {
        datetime: a.raisedAt,
        title: t('alerts.pressed'),
        text: fmtDate(raised, tz, { seconds: true }),
      }),
      closed
        ? null
        : h('span', {
            class: 'elapsed',
            dataset: { since: String(raised) },
            text: clock(Date.now() - raised),
          }),
    ),
    a.group ? null : contact(desk, a),
    closed ? null : ladder(desk, a),
    a.owner?.account
      ? h('div', {
          class: 'owner',
          text: mine
            ? t('alerts.ownerMe', { name: n.account(a.owner.account) })
            : t('alerts.owner', { name: n.account(a.owner.account) }),
        })
      : null,
    checklist(desk, a, closed),
    ackLine ? h('div', { class: 'ackinfo', text: ackLine }) : null,
    closed && a.classification
      ? h('div', { class: 'classification', text: t(`class.${a.classification}`) })
      : null,
    closedLine ? h('div', { class: 'ackinfo', text: closedLine }) : null,
    actions.length ? h('div', { class: 'actions' }, actions) : null,
    resolving ? resolveForm(desk, a) : null,
  );
}
