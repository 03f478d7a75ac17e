/**
 * Keeps one child process running: restarts it with exponential backoff
 * when it dies, stops it with SIGTERM and then SIGKILL. Knows nothing about
 * Node-RED beyond the line that says "ready".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { backoffCeiling } from '../runtime/backoff.js';

export type SupervisorState = 'stopped' | 'starting' | 'running' | 'backoff';

export interface BackoffPolicy {
  /** First restart delay. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
  /** A child that ran this long before dying restarts from initialMs again. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, stableMs: 60_000 };

/** Delay before restart number `attempt` (0-based): initial · 2^attempt, capped. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  return backoffCeiling(attempt, { baseMs: policy.initialMs, maxMs: policy.maxMs });
}

export interface SupervisorOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** A stdout/stderr line matching this means the child is serving. */
  readyLine: RegExp;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** SIGKILL this long after SIGTERM if the child has not exited. */
  killAfterMs?: number;
  /** Called before every (re)spawn, e.g. to regenerate files. */
  beforeSpawn?: () => void;
  /** Messages the child sends over the IPC channel (process.send). */
  onMessage?: (message: unknown) => void;
}

export interface SupervisorStatus {
  state: SupervisorState;
  pid: number | null;
  restarts: number;
}

export class ProcessSupervisor {
  private child: ChildProcess | null = null;
  private state: SupervisorState = 'stopped';
  private restarts = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly backoff: BackoffPolicy;
  private readonly killAfterMs: number;

  constructor(private readonly opts: SupervisorOptions) {
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.killAfterMs = opts.killAfterMs ?? 5_000;
  }

  start(): void {
    this.stopping = false;
    this.spawnChild();
  }

  status(): SupervisorStatus {
    return { state: this.state, pid: this.child?.pid ?? null, restarts: this.restarts };
  }

  /** Whether a restart is waiting out its back-off (none after stop()). */
  restartScheduled(): boolean {
    return this.timer !== null;
  }

  private spawnChild(): void {
    this.timer = null;
    if (this.stopping) return;
    const log = this.opts.logger;
    try {
      this.opts.beforeSpawn?.();
    } catch (err) {
      log.error({ err }, 'cannot prepare the child process');
      this.scheduleRestart();
      return;
    }
    this.state = 'starting';
    const startedAt = Date.now();
    const child = spawn(this.opts.command, this.opts.args, {
      cwd: this.opts.cwd,
      env: this.opts.env,
      // The IPC channel lets the child notice when we are gone (no orphans).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.channel?.unref();
    const onLine = (line: string, stream: 'stdout' | 'stderr'): void => {
      if (this.child === child && this.state === 'starting' && this.opts.readyLine.test(line)) {
        this.state = 'running';
        log.info({ pid: child.pid }, 'child process is running');
      }
      if (/\[error\]|Error:/.test(line)) log.warn({ pid: child.pid }, line);
      else if (stream === 'stderr' || /\[warn\]/.test(line)) log.info({ pid: child.pid }, line);
      else log.debug({ pid: child.pid }, line);
    };
    lines(child.stdout, (l) => onLine(l, 'stdout'));
    lines(child.stderr, (l) => onLine(l, 'stderr'));
    child.on('error', (err) => log.error({ err }, 'child process error'));
    child.on('message', (m) => this.opts.onMessage?.(m));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopping) {
        this.state = 'stopped';
        return;
      }
      if (Date.now() - startedAt >= this.backoff.stableMs) this.attempt = 0;
      log.warn({ code, signal }, 'child process exited; restarting');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt++;
    this.state = 'backoff';
    this.opts.logger.info({ delayMs: delay }, 'restart scheduled');
    this.timer = setTimeout(() => {
      this.timer = null;
      this.restarts++;
      this.spawnChild();
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.state = 'stopped';
      this.child = null;
      return;
    }
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => {
        this.opts.logger.warn({ pid: child.pid }, 'child did not stop after SIGTERM; sending SIGKILL');
        child.kill('SIGKILL');
      }, this.killAfterMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.child = null;
    this.state = 'stopped';
  }
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (line) onLine(line);
      i = buf.indexOf('\n');
    }
    // A child that never ends its line must not grow our buffer forever.
    if (buf.length > 64 * 1024) {
      onLine(buf);
      buf = '';
    }
  });
}
