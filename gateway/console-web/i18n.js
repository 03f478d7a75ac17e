// Simplified Chinese by default, English on demand (saved in localStorage):
// translation, dates (zh: 2026年12月2日 08:15), durations ("2 分钟") and the
// gateway's HTTP errors as sentences (the browser never shows a JSON error).
import { STRINGS } from './strings.js';

/** @typedef {'zh' | 'en'} Lang */

/** @type {Lang} */
let lang = localStorage.getItem('gp.lang') === 'en' ? 'en' : 'zh';

/** @returns {Lang} */
export function getLang() {
  return lang;
}

/** @param {string} l */
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('gp.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/**
 * Translate a key, filling {name} placeholders. Unknown keys show the key itself.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])));
}

/** A list of names joined the way the language does (、 in Chinese). @param {string[]} names */
export function list(names) {
  return names.join(t('list.sep'));
}

/** Fill every element carrying data-i18n (text) or data-i18n-placeholder. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    if (el instanceof HTMLElement) el.textContent = t(el.dataset.i18n ?? '');
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    if (el instanceof HTMLInputElement) el.placeholder = t(el.dataset.i18nPlaceholder ?? '');
  }
  document.title = t('app.title');
}

/**
 * A duration in words: "45 秒", "2 分钟", "1 小时 5 分钟" / "2 min".
 * @param {number} ms
 */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t('dur.s', { n: s });
  if (s < 3600) return t('dur.m', { n: Math.round(s / 60) });
  if (s < 86400) return t('dur.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('dur.dh', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

/** @param {number} ms */
export function ago(ms) {
  return t('ago', { dur: duration(ms) });
}

/**
 * Elapsed time as m:ss or h:mm:ss (alert timers on the wall).
 * @param {number} ms
 */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * @param {number} ms
 * @param {string | undefined} timeZone
 * @returns {Record<string, string>}
 */
function parts(ms, timeZone) {
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  };
  let list;
  try {
    list = new Intl.DateTimeFormat('en-GB', opts).formatToParts(ms);
  } catch {
    list = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: undefined }).formatToParts(ms);
  }
  return Object.fromEntries(list.map((p) => [p.type, p.value]));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A date and time in the site's timezone: zh "2026年12月2日 08:15", en "2 Dec 2026 08:15".
 * @param {number} ms
 * @param {string | undefined} timeZone
 * @param {{ seconds?: boolean }} [o]
 */
export function fmtDate(ms, timeZone, o = {}) {
  const p = parts(ms, timeZone);
  const time = `${p.hour}:${p.minute}${o.seconds ? `:${p.second}` : ''}`;
  if (lang === 'zh') return `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${time}`;
  return `${Number(p.day)} ${MONTHS[Number(p.month) - 1]} ${p.year} ${time}`;
}

/**
 * Time of day only (the top bar's clock): 08:15:03.
 * @param {number} ms
 * @param {string | undefined} timeZone
 */
export function fmtClock(ms, timeZone) {
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/**
 * The sentence for a failed call to the gateway: an HTTP status (or a
 * `code` the gateway sent) mapped to the language, never the server's text.
 * @param {unknown} err
 */
export function errorText(err) {
  const e = /** @type {{ status?: number, code?: string }} */ (err ?? {});
  if (typeof e.code === 'string' && STRINGS[lang][`err.${e.code}`]) return t(`err.${e.code}`);
  const status = typeof e.status === 'number' ? e.status : 0;
  if (status === 0) return t('err.network');
  if (STRINGS[lang][`err.${status}`]) return t(`err.${status}`);
  return t('err.server', { status });
}
