export { AlertEngine, type AlertEngineOptions, type AlertFilter } from './engine.js';
export type { Texts } from './messages.js';
export * as alertTexts from './messages.js';
export { escalates, routeUnits, targetsOf } from './rules.js';
