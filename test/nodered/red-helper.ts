/**
 * node-red-node-test-helper from ESM, typed just enough for our tests. The
 * helper patches Node.prototype and the Node-RED runtime globals, so only
 * the files that import this module use it, and they run their cases serially.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.js';
import { Arrivals } from '../support/wait.js';

const require = createRequire(import.meta.url);

export interface RedNode {
  id: string;
  on(event: 'input', cb: (msg: Record<string, unknown>) => void): void;
  receive(msg: Record<string, unknown>): void;
  status(s: unknown): void;
}

export interface Helper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  load(nodes: unknown[], flow: object[], credentials?: Record<string, object>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): RedNode;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
}

export const helper = require('node-red-node-test-helper') as Helper;
helper.init(require.resolve('node-red'));

const NODES = join(ROOT, 'flows', 'nodes');
export const guardpostNodes: unknown[] = [
  require(join(NODES, 'guardpost-gateway.js')),
  require(join(NODES, 'guardpost-event.js')),
  require(join(NODES, 'guardpost-alert.js')),
  require(join(NODES, 'guardpost-rollcall.js')),
];

/** The config node every test flow uses: the gateway as `tech1`. */
export function gatewayNode(mqttPort: number, user = 'tech1'): object {
  return { id: 'gw', type: 'guardpost-gateway', url: `mqtt://127.0.0.1:${mqttPort}`, user };
}

/** Messages a helper node receives, with a wait. */
export class Collector {
  private readonly arrivals = new Arrivals<Record<string, unknown>>((ms) => JSON.stringify(ms));
  readonly msgs = this.arrivals.items;
  constructor(node: RedNode) {
    node.on('input', (msg) => this.arrivals.add(msg));
  }
  waitFor(
    pred: (m: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
    what = 'message',
  ): Promise<Record<string, unknown>> {
    return this.arrivals.waitFor(pred, timeoutMs, what);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
