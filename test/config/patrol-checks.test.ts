/**
 * The checker's patrol cross-references (gateway/src/config/validate-patrol.ts):
 * each broken site gives the exact `path: message` lines a technician reads,
 * and the committed sites still pass.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem, type LoadResult, loadSite, parseSite } from '../../gateway/src/config/load.js';
import { HASH, mutate } from './base-site.js';

const lines = (r: LoadResult) => ({
  problems: r.ok ? [] : r.problems.map((p) => formatProblem(p)),
  warnings: r.warnings.map((p) => formatProblem(p)),
});

const ROUTE = '- { id: r1, zone: east, checkpoints: [CP1, CP2], maxDuration: 40m }';
/** BASE plus a third checkpoint CP3 that is on no route. */
const CP3: [string, string] = [
  '  - { id: CP2, unit: U02, tag: "04D1E2F4", name: 东门 }\n',
  '  - { id: CP2, unit: U02, tag: "04D1E2F4", name: 东门 }\n  - { id: CP3, unit: U02, tag: "04D1E2F5", name: 西门 }\n',
];
const route = (extra: string): [string, string] => [ROUTE, ROUTE.replace(' }', `, ${extra} }`)];

describe('patrol checks', () => {
  it('windows naming a checkpoint that does not exist: did-you-mean among the route', () => {
    const r = lines(parseSite(mutate(route('windows: { CP22: { notAfter: 10m } }')), 'bad.yaml'));
    expect(r.problems).toEqual(['routes[0].windows.CP22: no checkpoint "CP22" (did you mean "CP2"?)']);
  });

  it('windows naming a checkpoint that is not on the route', () => {
    const r = lines(parseSite(mutate(CP3, route('windows: { CP3: { notAfter: 10m } }')), 'bad.yaml'));
    expect(r.problems).toEqual([
      'routes[0].windows.CP3: checkpoint "CP3" is not on route "r1" (CP1, CP2): this window is never used',
    ]);
  });

  it('a window on the first checkpoint is ignored: warned', () => {
    const r = lines(parseSite(mutate(route('windows: { CP1: { notAfter: 10m } }')), 'bad.yaml'));
    expect(r).toEqual({
      problems: [],
      warnings: [
        'routes[0].windows.CP1: "CP1" is the route\'s first checkpoint: its tap starts the tour, a window on it is ignored',
      ],
    });
  });

  it('a window no tap can meet: notBefore after notAfter, or not before maxDuration', () => {
    const own = lines(
      parseSite(mutate(route('notAfter: 5m, windows: { CP2: { notBefore: 10m } }')), 'bad.yaml'),
    );
    expect(own.problems).toEqual([
      'routes[0].windows.CP2: notBefore 600s is after notAfter 300s: every tap would be early or late',
    ]);
    const atRoute = lines(parseSite(mutate(route('notBefore: 40m')), 'bad.yaml'));
    expect(atRoute.problems).toEqual([
      'routes[0].notBefore: notBefore 2400s is not before maxDuration 2400s: every tap would be early',
    ]);
  });

  it('travel.pairs naming checkpoints that do not exist or are not on the route', () => {
    const r = lines(
      parseSite(
        mutate(
          CP3,
          route('travel: { pairs: [{ between: [CP1, CP3], min: 2m }, { between: [CP11, CP2], min: 2m }] }'),
        ),
        'bad.yaml',
      ),
    );
    expect(r.problems).toEqual([
      'routes[0].travel.pairs[0].between[1]: checkpoint "CP3" is not on route "r1" (CP1, CP2): this pair is never checked',
      'routes[0].travel.pairs[1].between[0]: no checkpoint "CP11" (did you mean "CP1"?)',
    ]);
  });

  it('travel.pairs between a checkpoint and itself; the same pair twice is warned', () => {
    const self = lines(
      parseSite(mutate(route('travel: { pairs: [{ between: [CP2, CP2], min: 2m }] }')), 'bad.yaml'),
    );
    expect(self.problems).toEqual([
      'routes[0].travel.pairs[0].between: a walking time is between two different checkpoints, not "CP2" and itself',
    ]);
    const twice = lines(
      parseSite(
        mutate(
          route('travel: { pairs: [{ between: [CP1, CP2], min: 2m }, { between: [CP2, CP1], min: 3m }] }'),
        ),
        'bad.yaml',
      ),
    );
    expect(twice).toEqual({
      problems: [],
      warnings: [
        'routes[0].travel.pairs[1].between: "CP2" and "CP1" are already paired at routes[0].travel.pairs[0]: this min replaces that one',
      ],
    });
  });

  it('a dock port listing a device that is not a reader, or a fixed reader', () => {
    const yaml = mutate(
      ['driver: gpl, devices: [U03-PANIC-1]', 'driver: dock, devices: [U03-PANIC-1, U02-READER-1, U02-WAND]'],
      [
        '  - { id: U03-PANIC-1,',
        `  - { id: U02-WAND-1, kind: reader, unit: U02, password_hash: "${HASH}" }\n  - { id: U03-PANIC-1,`,
      ],
    );
    const r = lines(parseSite(yaml, 'bad.yaml'));
    expect(r).toEqual({
      problems: [
        'serial[0].devices[2]: no device "U02-WAND" (did you mean "U02-WAND-1"?)',
        'serial[0].devices[0]: "U03-PANIC-1" is a panic device; a dock port carries offline wands (kind reader), its records would be refused',
      ],
      warnings: [
        'serial[0].devices[1]: "U02-READER-1" is a reader fixed at checkpoint "CP2", not a wand; a dock carries wands (readers without a checkpoint)',
      ],
    });
  });

  it('a protection level on a unit no route passes: warned (always overdue)', () => {
    const r = lines(parseSite(mutate(['kind: school }', 'kind: school, protectionLevel: 1 }']), 'bad.yaml'));
    expect(r).toEqual({
      problems: [],
      warnings: [
        'units[2].protectionLevel: no route passes a checkpoint of unit "U03": it can never be patrolled and is reported overdue every gap of level 1',
      ],
    });
    const patrolled = lines(
      parseSite(mutate(['kind: residential }', 'kind: residential, protectionLevel: 2 }']), 'ok.yaml'),
    );
    expect(patrolled).toEqual({ problems: [], warnings: [] });
  });

  it('correct patrol keys pass with no finding', () => {
    const yaml = mutate(
      route(
        'notAfter: 30m, windows: { CP2: { notBefore: 5m, notAfter: 20m } }, twoPerson: { within: 60s }, travel: { min: 1m, pairs: [{ between: [CP1, CP2], min: 3m }] }',
      ),
      ['kind: residential }', 'kind: residential, protectionLevel: 1 }'],
      ['card: "04A1B2C3D4E5F7" }', 'card: "04A1B2C3D4E5F7", supervisor: true }'],
    );
    expect(lines(parseSite(yaml, 'ok.yaml'))).toEqual({ problems: [], warnings: [] });
  });

  it('the demo site and the small test site still pass', () => {
    const demo = loadSite('gateway/demo/site.yaml');
    expect(lines(demo)).toEqual({ problems: [], warnings: [] });
    const small = loadSite('test/fixtures/small-site.yaml');
    expect(small.ok).toBe(true);
    expect(small.warnings.map((w) => w.path)).toEqual(['devices[8]', 'devices[9]']);
  });
});
