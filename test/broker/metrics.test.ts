import { describe, expect, it } from 'vitest';
import { reasonLabel } from '../../gateway/src/metrics.js';

describe('reject reason labels stay a small set', () => {
  it.each([
    ['unknown device U02-X', 'unknown device'],
    ['unknown device G777-WAND', 'unknown device'],
    ['device U03-PANIC-1 is not bound to port /dev/ttyUSB0', 'device is not bound'],
    ['payload too large (5000 > 4096 bytes)', 'payload too large'],
    ['seq: must be an integer 0..4294967295', 'seq'],
    ['invalid JSON', 'invalid JSON'],
    ['invalid UTF-8', 'invalid UTF-8'],
    ['', 'other'],
  ])('%s → %s', (reason, label) => {
    expect(reasonLabel(reason)).toBe(label);
  });
});
