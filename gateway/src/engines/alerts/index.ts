export { type AlertEngineOptions, type AlertFilter, AlertEngine } from './engine.js';
export * as alertTexts from './messages.js';
export type { Texts } from './messages.js';
export { escalates, routeUnits, targetsOf } from './rules.js';
