export {
  createSerialExtension,
  type SerialExtension,
  type SerialExtensionOptions,
  type SerialHealth,
} from './extension.js';
export { BoundedLineSplitter } from './line-splitter.js';
export type { PortHealth, PortState } from './port.js';
