import { describe, expect, it } from 'vitest';
import { BoundedLineSplitter } from '../../gateway/src/serial/line-splitter.js';
import { SeqAllocator } from '../../gateway/src/serial/seq.js';

function collect(max = 16) {
  const lines: string[] = [];
  let overflows = 0;
  const s = new BoundedLineSplitter(max, {
    line: (t) => lines.push(t),
    overflow: () => {
      overflows++;
    },
  });
  return { s, lines, overflows: () => overflows };
}

describe('BoundedLineSplitter', () => {
  it('splits on \\n, strips one \\r, joins chunks', () => {
    const { s, lines } = collect();
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('c\r\nde\nf'));
    s.push(Buffer.from('g\r'));
    s.push(Buffer.from('\n\r\n'));
    expect(lines).toEqual(['abc', 'de', 'fg', '']);
  });
  it('never buffers more than the bound and skips an over-long line up to the next newline', () => {
    const { s, lines, overflows } = collect(8);
    s.push(Buffer.from('0123456789'));
    expect(overflows()).toBe(1);
    expect(s.pending).toBe(0);
    for (let i = 0; i < 1000; i++) s.push(Buffer.alloc(1024, 0x41));
    expect(s.pending).toBe(0);
    expect(overflows()).toBe(1);
    s.push(Buffer.from('tail\nok\n'));
    expect(lines).toEqual(['ok']);
  });
  it('accepts exactly max bytes plus \\r, refuses max+1', () => {
    const { s, lines, overflows } = collect(4);
    s.push(Buffer.from('abcd\r\nabcde\nabcd\n'));
    expect(lines).toEqual(['abcd', 'abcd']);
    expect(overflows()).toBe(1);
    s.push(Buffer.from('abcde\r\n'));
    expect(overflows()).toBe(2);
  });
  it('reset drops a half line so it is not glued to the next one', () => {
    const { s, lines } = collect();
    s.push(Buffer.from('$GP,half'));
    expect(s.reset()).toBe(8);
    s.push(Buffer.from('whole\n'));
    expect(lines).toEqual(['whole']);
  });
  it('keeps bytes as latin1, one char per byte', () => {
    const { s, lines } = collect();
    s.push(Buffer.from([0x41, 0xc3, 0xa9, 0x0a]));
    expect(lines).toEqual(['A\u00c3\u00a9']);
  });
});

describe('SeqAllocator', () => {
  it('follows the clock, stays strictly increasing per device, and wraps at 2^32', () => {
    let now = 1_000;
    const a = new SeqAllocator(() => now);
    expect(a.next('R')).toBe(1000);
    expect(a.next('R')).toBe(1001); // same millisecond
    expect(a.next('S')).toBe(1000); // per device
    now = 5_000;
    expect(a.next('R')).toBe(5000);
    const b = new SeqAllocator(() => now);
    now = 2 ** 32 - 1;
    expect(b.next('R')).toBe(2 ** 32 - 1);
    expect(b.next('R')).toBe(0);
    now = 2 ** 32 + 10;
    expect(b.next('R')).toBe(10);
  });
  it('after a restart (new allocator) starts above the previous run', () => {
    let now = 1_764_360_062_000;
    const first = new SeqAllocator(() => now);
    const s1 = first.next('R');
    now += 5;
    const second = new SeqAllocator(() => now);
    expect(second.next('R')).not.toBe(s1);
    expect((second.next('R') - s1 + 2 ** 32) % 2 ** 32).toBeLessThan(2 ** 31);
  });
});
