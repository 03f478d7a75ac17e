export { ClockDriftEngine } from './clock-drift.js';
export { type JointParticipation, PatrolEngine, type TourView } from './patrol-engine.js';
