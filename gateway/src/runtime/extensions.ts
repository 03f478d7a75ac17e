/** Which extensions a gateway runs, from the site config and the environment. */
import type { Logger } from 'pino';
import { createBulletinExtension } from '../bulletin/index.js';
import type { Site } from '../config/site.js';
import { createConsoleExtension } from '../console/index.js';
import { influxOptionsFromConfig } from '../export/influx/config.js';
import { createInfluxExtension } from '../export/influx/index.js';
import { createInfluxOff } from '../export/influx/off.js';
import { createNodeRedExtension } from '../nodered/index.js';
import { noderedOptions } from '../nodered/options.js';
import type { Extension } from '../ports.js';
import { createSerialExtension } from '../serial/index.js';

export interface ExtensionInputs {
  site: Site;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  host: string;
  logger: Logger;
}

export function buildExtensions(inputs: ExtensionInputs): Extension[] {
  const { site, env } = inputs;
  const g = site.config.gateway ?? {};
  const list: Extension[] = [];
  // serial and influx are always there (off, they still report in /healthz)
  list.push(createSerialExtension());
  const influx = influxOptionsFromConfig(g.influx, env);
  list.push(influx ? createInfluxExtension(influx) : createInfluxOff());
  list.push(createConsoleExtension(), createBulletinExtension());
  const nodered = noderedOptions({ config: g.nodered, env, dataDir: inputs.dataDir, host: inputs.host });
  if (nodered) list.push(createNodeRedExtension(nodered));
  return list;
}
