/** ZKTeco-style push terminals (docs/zkpush.md). */
export { type Attlog, epochToLocal, localToEpoch, type Punch, parseAttlog, punchSeq } from './attlog.js';
export { zkPushOptions } from './config.js';
export { createZkPushExtension, type ZkPushOptions } from './extension.js';
export { handshakeText, utcOffsetHours } from './options.js';
