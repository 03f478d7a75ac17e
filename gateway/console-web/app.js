// The duty-room console: sign in, fetch config.json, connect over
// MQTT-over-WebSocket as that account (persistent session), show alerts and
// the zone board, resync open alerts on every (re)connect.
import { AlertDesk } from './alerts.js';
import { Api, listOf } from './api.js';
import { ZoneBoard } from './board.js';
import { $ } from './dom.js';
import { applyI18n, errorText, fmtClock, getLang, setLang, t } from './i18n.js';
import { clientIdFor, sessionOptions } from './session.js';
import { audioReady, unlock } from './siren.js';

/** @typedef {import('./types.js').ConsoleConfig} ConsoleConfig */
/** @typedef {import('./types.js').MqttClient} MqttClient */

const SESSION_KEY = 'gp.session';
/** @type {{ stop(): void, rerender(): void } | null} */
let current = null;

function savedSession() {
  for (const store of [sessionStorage, localStorage]) {
    try {
      const s = JSON.parse(store.getItem(SESSION_KEY) ?? 'null');
      if (s?.user && typeof s.password === 'string') return s;
    } catch {
      // ignore a corrupt entry
    }
  }
  return null;
}

/** @param {string} state */
function setConn(state) {
  const el = $('#conn');
  el.dataset.state = state;
  el.textContent = t(`conn.${state}`);
  document.body.dataset.conn = state;
}

/** @param {string} [error] */
function showLogin(error) {
  $('#login').hidden = false;
  $('#app').hidden = true;
  $('#whoami').textContent = '';
  $('#logout').hidden = true;
  $('#login-error').textContent = error ?? '';
}

/** @param {string} user @param {string} password @param {boolean} remember */
async function login(user, password, remember) {
  const api = new Api(user, password);
  /** @type {ConsoleConfig} */
  let cfg;
  try {
    cfg = await api.get('config.json');
  } catch (err) {
    showLogin(errorText(err));
    return;
  }
  const store = remember ? localStorage : sessionStorage;
  store.setItem(SESSION_KEY, JSON.stringify({ user, password }));
  start(cfg, api, user, password);
}

/** @param {ConsoleConfig} cfg @param {Api} api @param {string} user @param {string} password */
function start(cfg, api, user, password) {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = false;
  const acc = cfg.account;
  const unit = acc.unit ? cfg.site.units.find((u) => u.id === acc.unit) : null;
  // names, not ids: the account's own name and, for a duty room, its unit
  $('#whoami').textContent = acc.name ?? (unit ? t('dutyRoom', { name: unit.name }) : t(`role.${acc.role}`));
  $('#site-name').textContent = cfg.site.name;
  document.body.dataset.account = acc.id;
  document.body.dataset.tz = cfg.site.timezone;

  /** @type {MqttClient | null} */
  let client = null;
  /** @type {(topic: string, payload: object) => Promise<void>} */
  const publish = (topic, payload) =>
    new Promise((resolve, reject) => {
      if (!client) return reject(new Error('not connected'));
      client.publish(topic, JSON.stringify(payload), { qos: 1 }, (err) =>
        err ? reject(err) : resolve(undefined),
      );
    });
  const desk = new AlertDesk({
    cfg,
    publish,
    onChange: () => board?.render(),
    onNews: () => board?.refreshSoon(),
  });
  const board = new ZoneBoard({ cfg, api, desk });
  desk.render();
  board.start();

  const resync = async () => {
    const requestedAt = Date.now();
    const q = acc.unit ? `?state=open&unit=${encodeURIComponent(acc.unit)}` : '?state=open';
    try {
      desk.resync(listOf(await api.get(`/api/alerts${q}`), 'alerts'), requestedAt);
      // a visible marker for operators' tooling and the browser tests
      document.body.dataset.resyncs = String(Number(document.body.dataset.resyncs ?? 0) + 1);
    } catch {
      // the live MQTT session still delivers; try again on the next connect
    }
  };

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.hostname}:${cfg.wsPort}${cfg.wsPath}`;
  setConn('connecting');
  const mqtt = window.mqtt.connect(
    url,
    sessionOptions(user, password, clientIdFor(user, `gp.clientId.${user}`, 'web')),
  );
  client = mqtt;
  mqtt.on('connect', () => {
    setConn('online');
    mqtt.subscribe(Object.fromEntries(cfg.topics.subscribe.map((topic) => [topic, { qos: 1 }])), () => {
      resync();
      board.refresh();
    });
  });
  mqtt.on('reconnect', () => setConn('reconnecting'));
  mqtt.on('offline', () => setConn('reconnecting'));
  mqtt.on('close', () => {
    if (document.body.dataset.conn === 'online') setConn('reconnecting');
  });
  mqtt.on('error', (err) => {
    // CONNACK 4/5: bad credentials or not authorised: stop hammering the broker
    if (err && (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)) {
      setConn('refused');
      mqtt.end(true);
    }
  });
  mqtt.on('message', (topic, payload) => {
    let doc;
    try {
      doc = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return;
    }
    if (topic.endsWith('/alert')) desk.upsert(doc, 'mqtt');
    else if (topic.endsWith('/result')) board.onRollcallResult(doc);
  });

  const ticker = setInterval(() => desk.tick(), 1000);
  current = {
    stop() {
      clearInterval(ticker);
      board.stop();
      client?.end(true);
    },
    rerender() {
      desk.render();
      board.render();
    },
  };
}

function logout() {
  current?.stop();
  current = null;
  sessionStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(SESSION_KEY);
  document.body.classList.remove('panic');
  $('#panic-overlay').hidden = true;
  showLogin();
}

function tickClock() {
  $('#clock').textContent = fmtClock(Date.now(), document.body.dataset.tz || undefined);
}

function init() {
  setLang(getLang());
  applyI18n();
  // Audio may only start after a gesture: the first click or key anywhere unlocks it.
  const gesture = () => {
    unlock();
    $('#audio-hint').hidden = audioReady();
    if ('Notification' in window && Notification.permission === 'default')
      Notification.requestPermission().catch(() => {});
  };
  document.addEventListener('pointerdown', gesture, { capture: true });
  document.addEventListener('keydown', gesture, { capture: true });
  setInterval(() => {
    $('#audio-hint').hidden = audioReady() || $('#app').hidden;
  }, 1000);

  $('#lang').addEventListener('click', () => {
    setLang(getLang() === 'zh' ? 'en' : 'zh');
    applyI18n();
    current?.rerender();
    const conn = document.body.dataset.conn;
    if (conn) setConn(conn);
  });
  $('#logout').addEventListener('click', logout);
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const user = /** @type {HTMLInputElement} */ ($('#username')).value.trim();
    const password = /** @type {HTMLInputElement} */ ($('#password')).value;
    if (user) login(user, password, /** @type {HTMLInputElement} */ ($('#remember')).checked);
  });
  setInterval(tickClock, 1000);
  tickClock();

  const s = savedSession();
  if (s) {
    /** @type {HTMLInputElement} */ ($('#username')).value = s.user;
    login(s.user, s.password, localStorage.getItem(SESSION_KEY) !== null);
  } else {
    showLogin();
  }
}

init();
