#!/usr/bin/env node
// The installed command: runs the compiled gateway (npm ci builds it via "prepare");
// in a source checkout without a build it falls back to tsx.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'gateway', 'src', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'gateway', 'src', 'cli', 'main.ts')).href);
}
