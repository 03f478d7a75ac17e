/** Which extensions a gateway runs, from the site config and the environment. */
import type { Logger } from 'pino';
import type { Site } from '../config/site.js';
import type { Extension } from './context.js';

export interface ExtensionInputs {
  site: Site;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  host: string;
  logger: Logger;
}

export function buildExtensions(_inputs: ExtensionInputs): Extension[] {
  const list: Extension[] = [];
  return list;
}
