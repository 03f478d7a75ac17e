#!/usr/bin/env node
// guardpost-sim: runs the compiled simulators (npm ci builds them via "prepare");
// in a source checkout without a build it falls back to tsx.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'simulators', 'cli.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'simulators', 'cli.ts')).href);
}
