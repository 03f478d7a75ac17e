/** A text in Simplified Chinese and English: the pair every alert, screen and export carries. */

export interface Texts {
  zh: string;
  en: string;
}

/** The texts of `key` in a zh/en table, or the key itself in both languages where the table has none. */
export function textsOf(table: Readonly<Record<string, Texts>>, key: string): Texts {
  return table[key] ?? { zh: key, en: key };
}
