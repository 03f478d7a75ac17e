/**
 * The Node-RED extension: runs Node-RED 4.1 in its own child process, so a
 * flow that loops forever can never delay panic fan-out in the gateway's
 * event loop. The gateway only supervises it (restart with backoff, stop
 * with SIGTERM then SIGKILL); the flows talk to the gateway over MQTT like
 * any other operator client.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { throttleOptionsFrom } from '../auth/guard.js';
import { DEFAULT_THROTTLE } from '../broker/throttle.js';
import type { Site } from '../config/site.js';
import type { Extension, GatewayContext } from '../ports.js';
import { findFlowsPackage, findRedJs, installShippedFlows } from './flows.js';
import { type NodeRedAccount, renderLauncher, renderSettings } from './settings.js';
import { type BackoffPolicy, ProcessSupervisor, type SupervisorState } from './supervisor.js';

export interface NodeRedOptions {
  /** Editor / admin API port; 0 turns Node-RED off. */
  port: number;
  /** Editor listen address (default 127.0.0.1). */
  host?: string;
  /** Node-RED's user directory (flows, credentials, context), under the data dir. */
  userDir: string;
  /** The flows file (default `<userDir>/flows.json`); the shipped flows are copied there when it is missing. */
  flowsFile?: string;
  /** Value of GUARDPOST_WEBHOOK_URL for the flows (default: inherited from the gateway's environment). */
  webhookUrlEnv?: string;
  /** Where the flows reach the gateway's MQTT listener (default 127.0.0.1). */
  mqttHost?: string;
  /** TZ of the Node-RED process, used by inject-node schedules (default: the site's timezone). */
  timezone?: string;
  /** Base environment of the child (default process.env). */
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffPolicy;
  /** SIGKILL after SIGTERM (default 4.5 s, inside the gateway's 5 s extension stop budget). */
  killAfterMs?: number;
  /** The node package directory (default: the repository's `flows/`). */
  packageDir?: string;
}

export type NodeRedState = SupervisorState | 'disabled';

export interface NodeRedHealth {
  [key: string]: unknown;
  ok: boolean;
  state: NodeRedState;
  pid: number | null;
  restarts: number;
  port: number;
}

/** What the supervisor needs from the gateway: narrower than GatewayContext so tools can run it too. */
export interface NodeRedHost {
  site: Site;
  logger: Logger;
  /** The gateway's MQTT TCP port. */
  mqttPort: number;
  /** A refused editor login, reported by the child (counted in the gateway's /metrics). */
  onLoginFailure?: (reason: 'bad_credentials' | 'anonymous' | 'throttled') => void;
}

const CHILD_LOGIN_FAILURES = ['bad_credentials', 'anonymous', 'throttled'] as const;

/** `{ guardpost: 'login-failure', reason }` from the child's settings (settings.ts); anything else is ignored. */
export function childLoginFailure(m: unknown): (typeof CHILD_LOGIN_FAILURES)[number] | null {
  if (typeof m !== 'object' || m === null) return null;
  const { guardpost, reason } = m as { guardpost?: unknown; reason?: unknown };
  if (guardpost !== 'login-failure') return null;
  return CHILD_LOGIN_FAILURES.find((r) => r === reason) ?? null;
}

export function operatorAccounts(site: Site): NodeRedAccount[] {
  return site.config.operators.flatMap((o) =>
    o.password_hash ? [{ id: o.id, role: o.role, hash: o.password_hash }] : [],
  );
}

export interface NodeRedRuntime {
  start(host: NodeRedHost): void;
  stop(): Promise<void>;
  health(): NodeRedHealth;
}

export function createNodeRedRuntime(options: NodeRedOptions): NodeRedRuntime {
  let supervisor: ProcessSupervisor | null = null;
  const port = options.port;
  return {
    start(host) {
      const log = host.logger.child({ ext: 'nodered' });
      if (port === 0) {
        log.info('Node-RED is off (port 0)');
        return;
      }
      const userDir = options.userDir;
      const flowFile = options.flowsFile ?? join(userDir, 'flows.json');
      const packageDir = options.packageDir ?? findFlowsPackage();
      const settingsFile = join(userDir, 'guardpost-settings.cjs');
      const launcher = join(userDir, 'guardpost-launch.cjs');
      mkdirSync(userDir, { recursive: true });
      if (installShippedFlows(flowFile, join(packageDir, 'shipped'))) {
        log.info({ flowFile }, 'first start: installed the shipped flows');
      }
      const base = options.env ?? process.env;
      const env: NodeJS.ProcessEnv = {
        ...base,
        TZ: options.timezone ?? host.site.timezone,
        GUARDPOST_MQTT_URL: `mqtt://${options.mqttHost ?? '127.0.0.1'}:${host.mqttPort}`,
        NODE_RED_HOME: userDir,
        GUARDPOST_REPORT_LOGINS: '1', // settings.ts: refused editor logins go to our /metrics over IPC
      };
      if (options.webhookUrlEnv !== undefined) env.GUARDPOST_WEBHOOK_URL = options.webhookUrlEnv;
      // The gateway's own loader flags (tsx) are not for Node-RED.
      delete env.NODE_OPTIONS;
      supervisor = new ProcessSupervisor({
        command: process.execPath,
        args: [launcher, '--settings', settingsFile, '--userDir', userDir],
        env,
        cwd: userDir,
        readyLine: /Server now running at/,
        logger: log,
        killAfterMs: options.killAfterMs ?? 4_500,
        ...(options.backoff ? { backoff: options.backoff } : {}),
        onMessage: (m) => {
          const reason = childLoginFailure(m);
          if (reason) host.onLoginFailure?.(reason);
        },
        beforeSpawn: () => {
          // Regenerated each spawn: operator accounts come from the site config.
          writeFileSync(
            settingsFile,
            renderSettings({
              host: options.host ?? '127.0.0.1',
              port,
              userDir,
              flowFile,
              nodesDir: [packageDir],
              accounts: operatorAccounts(host.site),
              throttle: {
                ...DEFAULT_THROTTLE,
                ...throttleOptionsFrom(host.site.config.gateway?.auth?.throttle),
              },
            }),
            { mode: 0o600 },
          );
          chmodSync(settingsFile, 0o600); // it carries password hashes
          writeFileSync(launcher, renderLauncher(findRedJs()));
        },
      });
      supervisor.start();
      log.info({ port, userDir }, 'Node-RED starting in its own process');
    },
    async stop() {
      await supervisor?.stop();
    },
    health() {
      if (port === 0 || !supervisor)
        return { ok: port === 0, state: 'disabled', pid: null, restarts: 0, port };
      const s = supervisor.status();
      return { ok: s.state === 'running', state: s.state, pid: s.pid, restarts: s.restarts, port };
    },
  };
}

/** The gateway extension (name `nodered`). */
export function createNodeRedExtension(options: NodeRedOptions): Extension {
  const runtime = createNodeRedRuntime(options);
  return {
    name: 'nodered',
    async start(ctx: GatewayContext) {
      runtime.start({
        site: ctx.site,
        logger: ctx.logger,
        mqttPort: ctx.addresses.mqtt,
        onLoginFailure: (reason) => ctx.logins?.refused('nodered', reason),
      });
    },
    stop: () => runtime.stop(),
    health: () => runtime.health(),
  };
}
