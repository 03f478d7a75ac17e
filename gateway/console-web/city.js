// The city wall (city.html, docs/city.md): a city command centre signs in to
// the CITY broker over MQTT-over-WebSocket (not to a district gateway) and
// sees every district's open alerts, grouped by district and zone, highest
// priority and newest first, with the time since raised and who
// acknowledged. Read only: the client is narrowed to subscribe/on/end, the
// page has no buttons on cards and never publishes. What arrives is checked
// and bounded in city.store.js and shown as text only (h() sets
// textContent); renders are coalesced so a flood cannot spin the page.
// A persistent session (one client id per account and browser) and a saved
// snapshot of the wall carry it across reloads and broker restarts.
import { CityStore } from './city.store.js';
import { $, h, replace } from './dom.js';
import { clock, duration, fmtClock, fmtDate, getLang, setLang } from './i18n.js';
import { clientIdFor, sessionOptions } from './session.js';
import { STRINGS } from './strings.js';

/** @typedef {import('./city.store.js').CityAlert} CityAlert */
/** @typedef {Pick<import('./types.js').MqttClient, 'subscribe' | 'on' | 'end'>} ReadOnlyClient */

/** The city wall's own texts; the console's (kinds, states, durations) come from strings.js. */
const TEXTS = {
  zh: {
    'city.title': '城市指挥中心警情总览',
    'city.readonly': '只读',
    'city.login.title': '城市指挥中心登录',
    'city.login.broker': '城市消息服务器地址',
    'city.login.hint': '使用城市消息服务器的只读账号登录。本页只显示各辖区的警情，不能确认或处置。',
    'city.login.url': '地址应以 ws:// 或 wss:// 开头',
    'city.login.unreachable': '无法连接城市消息服务器，请检查地址和网络',
    'city.login.refused': '账号或密码错误，或此账号无权查看',
    'city.conn.online': '已连接',
    'city.conn.connecting': '连接中…',
    'city.conn.reconnecting': '城市消息服务器断开，正在重连…',
    'city.conn.refused': '城市消息服务器拒绝登录',
    'city.summary': '{d} 个辖区有未处置警情，共 {n} 起，待确认 {w} 起',
    'city.none': '各辖区当前无未处置警情',
    'city.count': '{n} 起，待确认 {w} 起',
    'city.zoneCount': '{n} 起',
    'city.hidden': '另有 {n} 起优先级较低的警情未显示',
    'city.refused': '已忽略 {n} 条无效消息',
    'city.since': '已持续 {t}',
    'city.raisedAt': '报警时间：{time}',
    'city.ackBy': '{by}已确认，用时 {dur}',
    'city.ackByNoTime': '{by}已确认',
    'city.acked': '已确认',
  },
  en: {
    'city.title': 'City command centre: alerts wall',
    'city.readonly': 'read only',
    'city.login.title': 'City command centre sign-in',
    'city.login.broker': 'City broker address',
    'city.login.hint':
      "Sign in with a read-only account of the city broker. This page shows the districts' alerts; it cannot acknowledge or resolve them.",
    'city.login.url': 'The address starts with ws:// or wss://',
    'city.login.unreachable': 'Cannot reach the city broker: check the address and the network',
    'city.login.refused': 'Wrong account or password, or this account may not read the alerts',
    'city.conn.online': 'Connected',
    'city.conn.connecting': 'Connecting…',
    'city.conn.reconnecting': 'City broker lost, reconnecting…',
    'city.conn.refused': 'City broker refused the sign-in',
    'city.summary': '{d} districts with open alerts: {n} in all, {w} waiting',
    'city.none': 'No open alerts in any district',
    'city.count': '{n} open, {w} waiting',
    'city.zoneCount': '{n} open',
    'city.hidden': '{n} more alerts of lower priority not shown',
    'city.refused': '{n} invalid messages ignored',
    'city.since': 'for {t}',
    'city.raisedAt': 'Raised {time}',
    'city.ackBy': 'Acknowledged by {by} after {dur}',
    'city.ackByNoTime': 'Acknowledged by {by}',
    'city.acked': 'Acknowledged',
  },
};

const SESSION_KEY = 'gp.city.session';
const ALERTS = 'city/v1/site/+/alert/#';
const DIRECTORIES = 'city/v1/site/+/site';
/** The open alerts each district keeps retained: a wall opened mid-incident starts with them. */
const OPEN = 'city/v1/site/+/open/#';
/** @type {{ stop(): void, render(): void } | null} */
let current = null;

/**
 * A city text, else the console's, filling {placeholders}; unknown keys show the key.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
function t(key, vars = {}) {
  const lang = getLang();
  const own = /** @type {Record<string, string>} */ (TEXTS[lang]);
  const s = own[key] ?? STRINGS[lang][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])));
}

/** A kind or state label, or the raw value when the console has none. @param {string} group @param {string} v */
function label(group, v) {
  return STRINGS[getLang()][`${group}.${v}`] ?? v;
}

function applyTexts() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    if (el instanceof HTMLElement) el.textContent = t(el.dataset.i18n ?? '');
  }
  document.title = t('city.title');
}

/** @param {string} state */
function setConn(state) {
  const el = $('#conn');
  el.dataset.state = state;
  el.textContent = t(`city.conn.${state}`);
  document.body.dataset.conn = state;
}

/** @param {string} key @returns {{ url: string, user: string, password: string } | null} */
function readSaved(key) {
  for (const store of [sessionStorage, localStorage]) {
    try {
      const s = JSON.parse(store.getItem(key) ?? 'null');
      if (s && typeof s.url === 'string' && typeof s.user === 'string' && typeof s.password === 'string')
        return s;
    } catch {
      // a corrupt entry: sign in again
    }
  }
  return null;
}

/** @param {string} [error] */
function showLogin(error) {
  $('#login').hidden = false;
  $('#wall').hidden = true;
  $('#logout').hidden = true;
  $('#whoami').textContent = '';
  $('#login-error').textContent = error ?? '';
  /** @type {HTMLButtonElement} */ ($('#login-btn')).disabled = false;
}

/** The default broker address: ?broker=…, else the last one used, else this host's port 9001. */
function defaultBroker() {
  const q = new URLSearchParams(location.search).get('broker');
  if (q) return q;
  const last = localStorage.getItem('gp.city.broker');
  if (last) return last;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:9001/`;
}

/**
 * @param {{ url: string, user: string, password: string }} s
 * @param {{ remember: boolean, saved: boolean }} o saved: signed in from storage (keep trying when unreachable)
 */
function start(s, o) {
  if (!/^wss?:\/\/[^/\s]+/i.test(s.url)) return showLogin(t('city.login.url'));
  const store = new CityStore();
  const snapshotKey = `gp.city.wall.${s.user}@${s.url}`;
  try {
    store.restore(JSON.parse(localStorage.getItem(snapshotKey) ?? 'null'));
  } catch {
    // no usable snapshot: start empty
  }
  /** @type {HTMLButtonElement} */ ($('#login-btn')).disabled = true;
  $('#login-error').textContent = t('city.conn.connecting');
  setConn('connecting');

  let signedIn = false;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let renderTimer = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let saveTimer = null;
  const show = () => {
    signedIn = true;
    $('#login').hidden = true;
    $('#wall').hidden = false;
    $('#logout').hidden = false;
    $('#whoami').textContent = s.user;
    render();
  };
  const render = () => {
    renderTimer = null;
    renderWall(store);
  };
  // at most one render per 200 ms and one snapshot per 2 s, whatever arrives
  const changed = () => {
    renderTimer ??= setTimeout(render, 200);
    saveTimer ??= setTimeout(() => {
      saveTimer = null;
      try {
        localStorage.setItem(snapshotKey, JSON.stringify(store.snapshot()));
      } catch {
        // storage full or denied: the live session still works
      }
    }, 2000);
  };

  /** @type {ReadOnlyClient} */
  const client = window.mqtt.connect(
    s.url,
    sessionOptions(s.user, s.password, clientIdFor(s.user, `gp.city.clientId.${s.user}`, 'wall')),
  );
  client.on('connect', () => {
    setConn('online');
    client.subscribe({ [ALERTS]: { qos: 1 }, [DIRECTORIES]: { qos: 1 }, [OPEN]: { qos: 1 } }, () => {});
    if (!signedIn) {
      const target = o.remember ? localStorage : sessionStorage;
      target.setItem(SESSION_KEY, JSON.stringify(s));
      localStorage.setItem('gp.city.broker', s.url);
      show();
    }
  });
  client.on('reconnect', () => setConn(signedIn ? 'reconnecting' : 'connecting'));
  client.on('offline', () => setConn('reconnecting'));
  client.on('close', () => {
    if (!signedIn && !o.saved) {
      // a first sign-in that cannot reach the broker says so instead of retrying silently
      client.end(true);
      current = null;
      showLogin(t('city.login.unreachable'));
    } else if (document.body.dataset.conn === 'online') setConn('reconnecting');
  });
  client.on('error', (err) => {
    // CONNACK 4/5 (MQTT 5: 134/135): bad credentials or not authorised; stop knocking
    if (err && (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)) {
      client.end(true);
      current = null;
      sessionStorage.removeItem(SESSION_KEY);
      localStorage.removeItem(SESSION_KEY);
      setConn('refused');
      showLogin(t('city.login.refused'));
    }
  });
  client.on('message', (topic, payload) => {
    if (store.apply(topic, payload)) changed();
    else if (signedIn) noteRefused(store.refused);
  });

  const ticker = setInterval(() => tick(), 1000);
  current = {
    stop() {
      clearInterval(ticker);
      if (renderTimer) clearTimeout(renderTimer);
      if (saveTimer) clearTimeout(saveTimer);
      client.end(true);
    },
    render,
  };
  if (o.saved) show();
}

/** @param {number} n */
function noteRefused(n) {
  const el = $('#refused-note');
  el.hidden = n === 0;
  el.textContent = t('city.refused', { n });
}

/** Time since raised, on every card, once a second (no re-render). */
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('#districts time.elapsed')) {
    const at = Number(/** @type {HTMLElement} */ (el).dataset.at);
    if (Number.isFinite(at)) el.textContent = t('city.since', { t: clock(now - at) });
  }
}

/** @param {CityStore} store */
function renderWall(store) {
  const v = store.view();
  const count = v.shown + v.hidden;
  $('#summary').textContent =
    count === 0 ? t('city.none') : t('city.summary', { d: store.districts().length, n: count, w: v.waiting });
  replace(
    $('#districts'),
    v.districts.map((d) =>
      h(
        'section',
        { class: `district-group${d.waiting > 0 ? ' has-waiting' : ''}`, dataset: { district: d.district } },
        h(
          'h2',
          { class: 'district-head' },
          h('span', { class: 'name', text: store.districtName(d.district) }),
          h('span', { class: 'count', text: t('city.count', { n: d.count, w: d.waiting }) }),
        ),
        d.zones.map((z) =>
          h(
            'div',
            { class: 'zone-group', dataset: { zone: z.zone, count: String(z.alerts.length) } },
            h(
              'h3',
              { class: 'zone-head' },
              h('span', { text: store.zoneName(d.district, z.zone) }),
              h('span', { class: 'zone-count', text: t('city.zoneCount', { n: z.alerts.length }) }),
            ),
            z.alerts.map((a) => cityCard(store, a)),
          ),
        ),
      ),
    ),
  );
  const hidden = $('#hidden-note');
  hidden.hidden = v.hidden === 0;
  hidden.textContent = t('city.hidden', { n: v.hidden });
  noteRefused(store.refused);
  tick();
}

/** @param {{ name: string } | { dutyRoomOf: string }} a */
function accountText(a) {
  return 'name' in a ? a.name : t('dutyRoom', { name: a.dutyRoomOf });
}

/**
 * What happened, in words from names: a panic names its unit, a notice keeps
 * the operator's words (after the gateway's "who / for whom" prefix); other
 * kinds say it with their label and unit alone (the gateway's text names
 * devices and routes by id, and the city has no names for them).
 * @param {CityStore} store
 * @param {CityAlert} a
 */
function sentence(store, a) {
  if (a.kind === 'panic') return t('msg.panic', { unit: store.unitName(a.district, a.unit) });
  if (a.kind !== 'custom') return null;
  const raw = (getLang() === 'zh' ? a.messageZh : a.messageEn)
    .replace(/^【[^】]*】/, '')
    .replace(/^\[[^\]]*\] /, '');
  return raw.replace(/^.*?通知（[^）]*）：/, '').replace(/^Notice for .*? \(from [^)]*\): /, '');
}

/** One alert, read only. @param {CityStore} store @param {CityAlert} a */
function cityCard(store, a) {
  const text = sentence(store, a);
  let ack = null;
  if (a.state === 'acknowledged') {
    const ackName = a.ackBy ? accountText(store.account(a.district, a.ackBy)) : a.ownerName;
    if (ackName && a.ackAt !== null)
      ack = t('city.ackBy', { by: ackName, dur: duration(a.ackAt - a.raisedAt) });
    else ack = ackName ? t('city.ackByNoTime', { by: ackName }) : t('city.acked');
  }
  return h(
    'article',
    {
      class: `alert city-alert kind-${a.kind} state-${a.state} sev-${a.severity}${a.escalated ? ' escalated' : ''}${a.mode ? ` mode-${a.mode}` : ''}`,
      dataset: { kind: a.kind, state: a.state, id: a.id, district: a.district, unit: a.unit },
    },
    h(
      'div',
      { class: 'alert-head' },
      h('span', { class: 'kind', text: label('kind', a.kind) }),
      h('span', { class: 'state', text: label('state', a.state) }),
      a.mode ? h('span', { class: 'mode', text: t(`mode.${a.mode}`) }) : null,
      h('span', { class: 'unit', text: store.unitName(a.district, a.unit) }),
    ),
    text ? h('div', { class: 'msg', text }) : null,
    h(
      'div',
      { class: 'meta' },
      h('time', {
        class: 'elapsed',
        datetime: new Date(a.raisedAt).toISOString(),
        dataset: { at: String(a.raisedAt) },
      }),
      h('span', { class: 'raised', text: t('city.raisedAt', { time: fmtDate(a.raisedAt, undefined) }) }),
    ),
    a.escalated && a.state !== 'acknowledged'
      ? h('div', { class: 'escalation', text: t('alerts.escalated') })
      : null,
    ack ? h('div', { class: 'ackinfo', text: ack }) : null,
    a.restored ? h('div', { class: 'details', text: t('alerts.restored') }) : null,
  );
}

function logout() {
  current?.stop();
  current = null;
  sessionStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(SESSION_KEY);
  $('#conn').textContent = '';
  delete $('#conn').dataset.state;
  showLogin();
}

function init() {
  setLang(getLang());
  applyTexts();
  $('#lang').addEventListener('click', () => {
    setLang(getLang() === 'zh' ? 'en' : 'zh');
    applyTexts();
    const conn = document.body.dataset.conn;
    if (conn) setConn(conn);
    current?.render();
  });
  $('#logout').addEventListener('click', logout);
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = /** @type {HTMLInputElement} */ ($('#broker')).value.trim();
    const user = /** @type {HTMLInputElement} */ ($('#username')).value.trim();
    const password = /** @type {HTMLInputElement} */ ($('#password')).value;
    const remember = /** @type {HTMLInputElement} */ ($('#remember')).checked;
    current?.stop();
    if (url && user) start({ url, user, password }, { remember, saved: false });
  });
  const tickClock = () => {
    $('#clock').textContent = fmtClock(Date.now(), undefined);
  };
  setInterval(tickClock, 1000);
  tickClock();

  /** @type {HTMLInputElement} */ ($('#broker')).value = defaultBroker();
  const s = readSaved(SESSION_KEY);
  if (s) {
    /** @type {HTMLInputElement} */ ($('#username')).value = s.user;
    start(s, { remember: localStorage.getItem(SESSION_KEY) !== null, saved: true });
  } else showLogin();
}

init();
