export { type JointParticipation, PatrolEngine, type TourView } from './patrol-engine.js';
