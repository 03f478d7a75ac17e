/** Which extensions a gateway runs, from the site config and the environment. */
import type { Logger } from 'pino';
import { createAlarmExtension } from '../alarm/extension.js';
import { createBulletinExtension } from '../bulletin/index.js';
import type { Site } from '../config/site.js';
import { createConsoleExtension } from '../console/index.js';
import { influxOptionsFromConfig } from '../export/influx/config.js';
import { createInfluxExtension } from '../export/influx/index.js';
import { createInfluxOff } from '../export/influx/off.js';
import { createNodeRedExtension } from '../nodered/index.js';
import { noderedOptions } from '../nodered/options.js';
import type { Extension } from '../ports.js';
import { createReceiversExtension } from '../receivers/index.js';
import { createSerialExtension } from '../serial/index.js';
import { createUplinkExtension } from '../uplink/index.js';
import { createZkPushExtension, zkPushOptions } from '../zkpush/index.js';

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
  list.push(createAlarmExtension()); // alarm-handling metrics (docs/alerts.md)
  if (site.config.receivers.length > 0) list.push(createReceiversExtension(site.config.receivers));
  if (site.config.uplink) list.push(createUplinkExtension(site.config.uplink, env));
  const influx = influxOptionsFromConfig(g.influx, env);
  list.push(influx ? createInfluxExtension(influx) : createInfluxOff());
  list.push(
    createConsoleExtension(),
    createBulletinExtension(),
    createZkPushExtension(zkPushOptions(g.zkpush)),
  );
  const nodered = noderedOptions({ config: g.nodered, env, dataDir: inputs.dataDir, host: inputs.host });
  if (nodered) list.push(createNodeRedExtension(nodered));
  return list;
}
