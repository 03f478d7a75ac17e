/** Which extensions a gateway runs, from the site config and the environment. */
import type { Logger } from 'pino';
import { createBulletinExtension } from '../bulletin/index.js';
import type { Site } from '../config/site.js';
import { createConsoleExtension } from '../console/index.js';
import { influxOptionsFromConfig } from '../export/influx/config.js';
import { createInfluxExtension } from '../export/influx/index.js';
import { createNodeRedExtension } from '../nodered/index.js';
import { noderedOptions } from '../nodered/options.js';
import { createReceiversExtension } from '../receivers/index.js';
import { createSerialExtension } from '../serial/index.js';
import type { Extension } from '../ports.js';

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
  if (site.config.serial.length > 0) list.push(createSerialExtension());
  if (site.config.receivers.length > 0) list.push(createReceiversExtension(site.config.receivers));
  const influx = influxOptionsFromConfig(g.influx, env);
  if (influx) list.push(createInfluxExtension(influx));
  else
    inputs.logger.info(
      'no InfluxDB configured: the journal keeps every event; adding InfluxDB later exports the backlog',
    );
  list.push(createConsoleExtension(), createBulletinExtension());
  const nodered = noderedOptions({ config: g.nodered, env, dataDir: inputs.dataDir, host: inputs.host });
  if (nodered) list.push(createNodeRedExtension(nodered));
  return list;
}
