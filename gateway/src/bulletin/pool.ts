/**
 * Where GET /bulletin's heavy work runs: one worker thread (bulletin/worker.ts)
 * started on first use and kept, so the main thread that carries panics only
 * receives finished strings. A job past its deadline terminates the worker
 * (a synchronous SQLite read cannot be interrupted otherwise); the next job
 * starts a fresh one. A ':memory:' journal (unit tests) cannot be opened from
 * another thread: that case computes in-process.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Site } from '../config/site.js';
import type { Journal } from '../journal/journal.js';
import {
  type BulletinOutputs,
  type BulletinRequest,
  produceBulletin,
  renderBulletinOutputs,
} from './produce.js';
import type { BulletinWorkerData, WorkerReply, WorkerRequest } from './worker.js';

/** The bulletin could not be computed from the request (unknown week...): the caller's fault. */
export class BulletinInputError extends Error {}
/** The worker ran past its deadline or died: the gateway's fault, retry later. */
export class BulletinUnavailableError extends Error {}

export interface BulletinRunner {
  run(req: BulletinRequest): Promise<BulletinOutputs>;
  stop(): Promise<void>;
}

/**
 * Compiled (dist/) the entry is worker.js next to this file. From source
 * (tsx, vitest) it is worker.ts, and a worker thread does not inherit the
 * tsx loader (neither `--import tsx` in execArgv nor bin/guardpost.js's
 * programmatic register() reach it on Node 20): a small bootstrap registers
 * tsx in the thread, then imports the entry.
 */
function startWorker(workerData: BulletinWorkerData): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export function workerRunner(opts: { journalPath: string; site: Site; timeoutMs: number }): BulletinRunner {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (o: BulletinOutputs) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  const failAll = (err: Error): void => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  };

  const spawn = (): Worker => {
    const w = startWorker({ journalPath: opts.journalPath, config: opts.site.config });
    w.on('message', (reply: WorkerReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.outputs);
      else p.reject(new BulletinInputError(reply.error));
    });
    w.on('error', (err) => {
      if (worker === w) worker = null;
      failAll(new BulletinUnavailableError(`bulletin worker failed: ${err.message}`));
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new BulletinUnavailableError(`bulletin worker exited (${code})`));
    });
    // a gateway stopping without stop() is not held up by an idle worker
    w.unref();
    return w;
  };

  return {
    run(req) {
      worker ??= spawn();
      const w = worker;
      const id = nextId++;
      return new Promise<BulletinOutputs>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          if (worker === w) worker = null;
          void w.terminate();
          reject(new BulletinUnavailableError(`bulletin took longer than ${opts.timeoutMs} ms: stopped`));
        }, opts.timeoutMs);
        pending.set(id, { resolve, reject, timer });
        const msg: WorkerRequest = { ...req, id };
        w.postMessage(msg);
      });
    },
    async stop() {
      const w = worker;
      worker = null;
      failAll(new BulletinUnavailableError('gateway stopping'));
      if (w) await w.terminate();
    },
  };
}

/** Same contract, on the calling thread (':memory:' journals only). */
export function inProcessRunner(journal: Journal, site: Site): BulletinRunner {
  return {
    async run(req) {
      try {
        const { bulletin, entries } = produceBulletin(journal, site, req);
        return renderBulletinOutputs(bulletin, entries);
      } catch (err) {
        throw new BulletinInputError(err instanceof Error ? err.message : String(err));
      }
    },
    async stop() {},
  };
}
