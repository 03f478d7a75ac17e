/**
 * From the site's `uplink:` key and the environment to the uplink's
 * options: defaults for the client id and the prefix from the site id, the
 * password read from the variable `password_env` names (a missing variable
 * is a problem the extension reports, it never connects without it), the CA
 * file read once at start.
 */
import { readFileSync } from 'node:fs';
import { parseDuration } from '../config/schema.js';
import type { EventKind } from '../model/event.js';
import { cityTopics } from '../topics.js';
import type { DownstreamCommand } from './downstream.js';
import type { UplinkConfig } from './schema.js';

export interface UplinkOptions {
  url: string;
  username: string | undefined;
  password: string | undefined;
  clientId: string;
  prefix: string;
  alerts: boolean;
  events: boolean;
  eventKinds: ReadonlySet<EventKind> | null;
  accept: ReadonlySet<DownstreamCommand>;
  ca: Buffer | undefined;
  protocolVersion: 4 | 5;
  window: number;
  ackTimeoutMs: number;
  reconnectMaxMs: number;
  /** Why the uplink cannot run (missing password variable, unreadable CA file); null when it can. */
  problem: string | null;
}

export function uplinkOptions(
  config: UplinkConfig,
  siteId: string,
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
): UplinkOptions {
  let problem: string | null = null;
  let password: string | undefined;
  if (config.password_env !== undefined) {
    password = env[config.password_env];
    if (password === undefined || password === '')
      problem = `the environment variable ${config.password_env} (uplink.password_env) is not set`;
  }
  let ca: Buffer | undefined;
  if (config.ca !== undefined) {
    try {
      ca = readFile(config.ca);
    } catch (err) {
      problem ??= `cannot read uplink.ca ${config.ca}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return {
    url: config.url,
    username: config.username,
    password,
    clientId: config.clientId ?? `gp-${siteId}`,
    prefix: config.prefix ?? cityTopics.defaultPrefix(siteId),
    alerts: config.forward.includes('alert'),
    events: config.forward.includes('events'),
    eventKinds: config.eventKinds ? new Set(config.eventKinds) : null,
    accept: new Set(config.accept),
    ca,
    protocolVersion: config.version === '3.1.1' ? 4 : 5,
    window: config.window,
    ackTimeoutMs: parseDuration(config.ackTimeout),
    reconnectMaxMs: Math.max(1000, parseDuration(config.reconnectMax)),
    problem,
  };
}
