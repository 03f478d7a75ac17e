export { type BulletinInput, computeBulletin } from './compute.js';
export { type BulletinExtensionOptions, createBulletinExtension } from './extension.js';
export { loadBulletinEntries } from './load.js';
export { pointsRules } from './points.js';
export { CSV_TABLES, type CsvTable, renderBulletinCsv } from './render-csv.js';
export { renderBulletinHtml } from './render-html.js';
export * from './types.js';
export { bulletinWindow, parseWeek, weekOf } from './week.js';
