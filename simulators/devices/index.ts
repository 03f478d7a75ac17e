export {
  clockSeq,
  type DeviceHealth,
  DeviceSim,
  type DeviceSimOptions,
  type LinkOptions,
  openLink,
} from './base.js';
export { PanicButtonSim } from './panic.js';
export { ReaderSim } from './reader.js';
export {
  type RollcallAnswer,
  type RollcallRecord,
  type RollcallTerminalOptions,
  RollcallTerminalSim,
} from './rollcall.js';
export { type ZkAnswer, type ZkMessage, type ZkTerminalOptions, ZkTerminalSim } from './zk.js';
