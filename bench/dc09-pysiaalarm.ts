/**
 * Manual interoperability check (docs/receivers.md "Checked against
 * pysiaalarm"): pysiaalarm — the receiver library behind Home Assistant's SIA
 * integration — as the receiving centre for four receivers of one gateway
 * (SIA-DCS and ADM-CID, plain and AES), then panic presses and resolves and
 * NULL supervision; prints what pysiaalarm accepted (its counters and
 * events by account and code) and what the gateway saw ACKed (its
 * guardpost_arc_frames_total). Not part of `npm run bench` or CI:
 * pysiaalarm is not packaged in Debian. Needs Debian's python3-pycryptodome
 * and python3-tz, and a pysiaalarm source tree:
 *
 *   PYSIAALARM_SRC=/path/to/pysiaalarm/src node --import tsx bench/dc09-pysiaalarm.ts [presses]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siteWithReceivers } from '../test/receivers/arc-support.js';
import { connectAs, end, publish, subscribe } from '../test/support/mqtt.js';
import { startBenchGateway } from './lib/brokers.js';
import { spawnChild } from './lib/children.js';

const KEY = 'AAAAAAAAAAAAAAAA'; // pysiaalarm wants hex characters (used as ASCII bytes, like DC-09)
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

// Debian ships pycryptodome as "Cryptodome"; pysiaalarm imports "Crypto": alias the same modules.
const SHIM = `import sys
import Cryptodome, Cryptodome.Cipher, Cryptodome.Cipher.AES, Cryptodome.Cipher._mode_cbc, Cryptodome.Random
for n, m in list(sys.modules.items()):
    if n == 'Cryptodome' or n.startswith('Cryptodome.'):
        sys.modules['Crypto' + n[len('Cryptodome'):]] = m
`;

const RECEIVER = `import sys, json, time, threading, dataclasses
import Crypto
from pysiaalarm import SIAClient, SIAAccount
events = {}
lock = threading.Lock()
def on_event(e):
    with lock:
        k = f"{e.account} {e.message_type.value if hasattr(e.message_type, 'value') else e.message_type} {e.code}"
        events[k] = events.get(k, 0) + 1
key = sys.argv[2]
accounts = [SIAAccount('AAA', None), SIAAccount('BBB', key), SIAAccount('CCC', None), SIAAccount('DDD', key)]
client = SIAClient('127.0.0.1', int(sys.argv[1]), accounts, on_event)
client.start()
print('READY', flush=True)
while True:
    time.sleep(0.5)
    with lock:
        print('COUNTS ' + json.dumps({'events': events, 'counters': dataclasses.asdict(client.counts)}), flush=True)
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function main(): Promise<void> {
  const src = process.env.PYSIAALARM_SRC;
  if (!src) throw new Error('set PYSIAALARM_SRC to a pysiaalarm source tree (its src/ directory)');
  const presses = Number(process.argv[2] ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'gp-pysia-'));
  mkdirSync(join(dir, 'Crypto'));
  writeFileSync(join(dir, 'Crypto', '__init__.py'), SHIM);
  writeFileSync(join(dir, 'receiver.py'), RECEIVER);
  const port = await freePort();
  const py = spawnChild(PYTHON, [join(dir, 'receiver.py'), String(port), KEY], {
    PYTHONPATH: `${dir}:${src}`,
  });
  await py.line('READY', 15_000);
  const r = (id: string, account: string, extra: string): string =>
    `{ id: ${id}, host: 127.0.0.1, port: ${port}, account: "${account}", supervision: 2s, kinds: [panic]${extra} }`;
  const gw = await startBenchGateway({
    siteYaml: siteWithReceivers([
      r('sia-plain', 'AAA', ''),
      r('sia-aes', 'BBB', `, key: "${KEY}"`),
      r('cid-plain', 'CCC', ', format: ADM-CID'),
      r('cid-aes', 'DDD', `, format: ADM-CID, key: "${KEY}"`),
    ]),
  });
  const button = await connectAs(gw.port, 'U02-PANIC-1');
  const admin = await connectAs(gw.port, 'police-east');
  await subscribe(admin, 'gp/v1/unit/U02/alert');
  const raised: string[] = [];
  admin.on('message', (_t, p) => {
    const a = JSON.parse(p.toString()) as { kind: string; state: string; id: string };
    if (a.kind === 'panic' && a.state === 'raised') raised.push(a.id);
  });
  for (let i = 0; i < presses; i++) {
    await publish(button, 'gp/v1/dev/U02-PANIC-1/panic', { state: 'pressed', seq: 700_000 + i });
    const t0 = Date.now();
    while (raised.length <= i && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 20));
    await publish(admin, 'gp/v1/unit/U02/resolve', { id: raised[i] });
    await new Promise((res) => setTimeout(res, 100));
  }
  // let the reports drain and a few NULL intervals pass
  await new Promise((res) => setTimeout(res, 7000));
  const metrics = await (await fetch(gw.httpUrl('/metrics'))).text();
  const health = await (await fetch(gw.httpUrl('/healthz'))).json();
  await end(button, admin);
  await gw.stop();
  const lines = py
    .output()
    .split('\n')
    .filter((l) => l.startsWith('COUNTS '));
  await py.stop('SIGKILL');
  console.log(`pysiaalarm (last counters): ${lines.at(-1)?.slice(7) ?? 'none'}`);
  console.log('gateway frames:');
  for (const l of metrics.split('\n')) if (l.startsWith('guardpost_arc_frames_total{')) console.log(`  ${l}`);
  console.log(`gateway /healthz receivers: ${JSON.stringify((health as { receivers: unknown }).receivers)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
