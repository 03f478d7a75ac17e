/** SIA DC-09 codec shared by the gateway's receivers extension and `guardpost-sim arc`. */
export { crc16arc, hex4 } from './crc.js';
export { decryptContent, encryptContent, keyProblem, type RandomBytes } from './crypto.js';
export {
  type CidEvent,
  cidData,
  parseCidData,
  parseSiaData,
  type SiaEvent,
  siaData,
} from './data.js';
export {
  type Dc09Answer,
  type Dc09Frame,
  type Dc09Token,
  type DecodeOptions,
  decodeFrame,
  type EncodeOptions,
  encodeFrame,
  encodeMessage,
  formatTimestamp,
  MAX_FRAME_CHARS,
  parseTimestamp,
  recogniseAnswer,
  TOKENS,
} from './frame.js';
export { FrameSplitter } from './stream.js';
