/** A week with something in every aspect, for the renderer, HTTP and CLI tests. */
import { Entries } from './fixtures.js';

export function sampleWeek(): Entries {
  return new Entries()
    .alert('2026-11-18T10:00', { id: 'A0', kind: 'panic', unit: 'U02' })
    .alert('2026-11-24T09:00', { id: 'A1', kind: 'panic', unit: 'U01' })
    .alert('2026-11-24T09:00:04', {
      id: 'A1',
      kind: 'panic',
      unit: 'U01',
      state: 'acknowledged',
      ackBy: 'U02-duty',
      ackMs: 4000,
    })
    .alert('2026-11-25T03:00', { id: 'A2', kind: 'device_offline', unit: 'U03', device: 'U03-PANIC-1' })
    .tour('2026-11-23T21:00', {
      id: 'T1',
      route: 'east-night',
      guard: 'G001',
      visited: ['CP-E-01', 'CP-E-02', 'CP-E-03'],
    })
    .tour('2026-11-24T21:00', {
      id: 'T2',
      route: 'east-night',
      guard: 'G001',
      status: 'missed',
      visited: ['CP-E-01'],
      missed: ['CP-E-02', 'CP-E-03'],
    })
    .rollcall('2026-11-23T08:02', { call: 'RC1', unit: 'U02', present: ['G001', 'G003'], absent: ['G002'] })
    .rollcall('2026-11-23T08:02', { call: 'RC1', unit: 'U01', present: ['G004'] })
    .inspection('2026-11-26T22:00', 'U02', 2, '消防通道堵塞, "临时"杂物');
}
