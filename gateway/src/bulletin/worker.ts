/**
 * Worker thread entry for GET /bulletin: loads, computes and renders a
 * bulletin on its own READ-ONLY connection to the journal file (WAL lets it
 * read while the gateway writes), so a heavy week never blocks the main
 * thread that carries panics. Started by bulletin/pool.ts; one request at a
 * time, answered by id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SiteConfig } from '../config/schema.js';
import { Site } from '../config/site.js';
import { type BulletinRequest, produceBulletin, renderBulletinOutputs } from './produce.js';

export interface BulletinWorkerData {
  journalPath: string;
  /** The validated site config (plain data: structured-clone safe); the worker builds its own Site. */
  config: SiteConfig;
}

export type WorkerRequest = BulletinRequest & { id: number };

export type WorkerReply =
  | { id: number; ok: true; outputs: ReturnType<typeof renderBulletinOutputs> }
  | { id: number; ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('bulletin/worker.ts runs as a worker thread only');
const data = workerData as BulletinWorkerData;
const site = new Site(data.config);
const db = new Database(data.journalPath, { readonly: true, fileMustExist: true });
// a reader that waits briefly instead of failing when the writer holds a lock
db.pragma('busy_timeout = 5000');

port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const { bulletin, entries } = produceBulletin({ db }, site, req);
    reply = { id: req.id, ok: true, outputs: renderBulletinOutputs(bulletin, entries) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
