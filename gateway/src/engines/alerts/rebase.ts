/** Swapping the raise text of a stored alert whose text changes (grouped alerts), decorations kept. */
import type { AlertPayload } from '../../model/alert.js';
import { joinTexts, type Texts } from './messages.js';
import type { StoredAlert } from './store.js';

/** A stored alert's text with its raise text swapped (decoration prefixes kept). */
export function rebase(a: StoredAlert, base: Texts): { base: Texts; changes: Partial<AlertPayload> } {
  const zh = a.payload.messageZh ?? a.base.zh;
  const en = a.payload.messageEn ?? a.base.en;
  const t = {
    zh: zh.slice(0, Math.max(0, zh.length - a.base.zh.length)) + base.zh,
    en: en.slice(0, Math.max(0, en.length - a.base.en.length)) + base.en,
  };
  return { base, changes: { message: joinTexts(t), messageZh: t.zh, messageEn: t.en } };
}
