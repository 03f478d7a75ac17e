export {
  RollcallEngine,
  type RollcallEngineOptions,
  type RollcallGuardView,
  type RollcallUnitView,
  type RollcallView,
  SCHEDULE_BY,
} from './rollcall-engine.js';
