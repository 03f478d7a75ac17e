export {
  type RollcallEngineOptions,
  RollcallEngine,
  type RollcallGuardView,
  type RollcallUnitView,
  type RollcallView,
  SCHEDULE_BY,
} from './rollcall-engine.js';
