/**
 * Where the Node-RED pieces live on disk, and the first-start copy of the
 * shipped flows into the user directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The `flows/` package (node-red-contrib-guardpost), found upward from this file (src or dist). */
export function findFlowsPackage(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'flows', 'package.json');
    if (existsSync(candidate)) return dirname(candidate);
    const up = dirname(dir);
    if (up === dir) throw new Error(`flows/package.json not found above ${from}`);
    dir = up;
  }
}

/** Node-RED's own entry script, resolved like any dependency. */
export function findRedJs(): string {
  return createRequire(import.meta.url).resolve('node-red/red.js');
}

interface FlowNode {
  id: string;
  [key: string]: unknown;
}

function isFlowNode(v: unknown): v is FlowNode {
  return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string';
}

/**
 * All shipped flow files (`*.json`, each an array of nodes) merged into one
 * flows array, in file-name order; a node id that appears twice (the shared
 * gateway connection) is kept once.
 */
export function mergeShippedFlows(shippedDir: string): FlowNode[] {
  const files = readdirSync(shippedDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const seen = new Set<string>();
  const out: FlowNode[] = [];
  for (const f of files) {
    const parsed: unknown = JSON.parse(readFileSync(join(shippedDir, f), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${f}: a flow file must be a JSON array of nodes`);
    for (const node of parsed) {
      if (!isFlowNode(node)) throw new Error(`${f}: every node needs a string id`);
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      out.push(node);
    }
  }
  return out;
}

/**
 * First start: write the shipped flows as the flows file. An existing flows
 * file is the technicians' work and is never touched. Returns true when it
 * installed them.
 */
export function installShippedFlows(flowFile: string, shippedDir: string): boolean {
  if (existsSync(flowFile)) return false;
  mkdirSync(dirname(flowFile), { recursive: true });
  writeFileSync(flowFile, `${JSON.stringify(mergeShippedFlows(shippedDir), null, 2)}\n`);
  return true;
}
