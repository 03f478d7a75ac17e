/**
 * Node-RED options from the site config (`gateway.nodered`) and the
 * environment (`GUARDPOST_NODERED_PORT`, 0 = off), for the runtime wiring.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import type { NodeRedOptions } from './extension.js';

export const DEFAULT_NODERED_PORT = 1880;

export interface NodeRedWiring {
  config: NonNullable<SiteConfig['gateway']>['nodered'];
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The gateway's listen host; the editor listens there too. */
  host: string;
}

/**
 * null when Node-RED is off: `GUARDPOST_NODERED_PORT=0`, or `enabled: false`,
 * or `port: 0` in the config. The env port wins over the config's.
 */
export function noderedOptions(w: NodeRedWiring): NodeRedOptions | null {
  const raw = w.env.GUARDPOST_NODERED_PORT;
  let port = w.config?.port ?? DEFAULT_NODERED_PORT;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`GUARDPOST_NODERED_PORT=${raw} is not a port`);
    port = n;
  }
  if (port === 0 || w.config?.enabled === false) return null;
  const userDir = join(w.dataDir, 'nodered');
  const flows = w.config?.flows;
  const wildcard = w.host === '0.0.0.0' || w.host === '::' || w.host === '';
  return {
    port,
    host: wildcard ? '0.0.0.0' : w.host,
    userDir,
    ...(flows ? { flowsFile: isAbsolute(flows) ? flows : resolve(w.dataDir, flows) } : {}),
    mqttHost: wildcard ? '127.0.0.1' : w.host,
    env: w.env,
  };
}
