export { type DeviceHealth, SupervisionEngine, type SupervisionOptions } from './engine.js';
