/**
 * From the site config's `gateway.influx` and the environment to exporter
 * options. `GUARDPOST_INFLUX_URL` overrides the URL (an empty string turns
 * the export off), `GUARDPOST_INFLUX_DB` the database. null: no export (the
 * journal keeps everything; adding InfluxDB later exports the backlog).
 */
import { parseDuration, type SiteConfig } from '../../config/schema.js';
import type { InfluxExportOptions } from './exporter.js';

export type InfluxConfig = NonNullable<NonNullable<SiteConfig['gateway']>['influx']>;

export function influxOptionsFromConfig(
  config: InfluxConfig | undefined,
  env: Record<string, string | undefined> = process.env,
): InfluxExportOptions | null {
  const envUrl = env.GUARDPOST_INFLUX_URL;
  if (envUrl !== undefined && envUrl.trim() === '') return null;
  const url = envUrl?.trim() || config?.url;
  if (!url) return null;
  const database = env.GUARDPOST_INFLUX_DB?.trim() || config?.database || 'guardpost';
  const options: InfluxExportOptions = { url, database };
  if (config?.retentionPolicy) options.retentionPolicy = config.retentionPolicy;
  if (config?.retention) options.retention = config.retention;
  if (config?.username) options.username = config.username;
  if (config?.password) options.password = config.password;
  if (config?.batchSize) options.batchSize = config.batchSize;
  if (config?.linger) options.lingerMs = parseDuration(config.linger);
  return options;
}
