/**
 * The `uplink:` site key (integrations.md §2, docs/site-config.md "City
 * uplink"): one upstream MQTT broker or cluster the district forwards to.
 * Kept beside the extension and imported by config/schema.ts; it imports
 * nothing from there (no import cycle). The password is never in the YAML:
 * `password_env` names the environment variable that holds it (a `password`
 * key is refused by the strict object).
 */
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/, 'must be a duration like "90s", "30m", "2h"');

/** MQTT topic levels without wildcards, empty levels or a leading/trailing slash. */
const PREFIX = /^[^/+#\s]{1,64}(\/[^/+#\s]{1,64}){0,9}$/;

export const uplinkSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/[^/\s]+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
      .refine((u) => !/^[a-z]+:\/\/[^/@\s]*:[^/@\s]*@/.test(u), {
        message: 'no password in the URL: use username and password_env',
      }),
    username: z.string().min(1).max(256).optional(),
    /** The environment variable holding the password (e.g. GUARDPOST_UPLINK_PASSWORD). */
    password_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name')
      .optional(),
    /** Fixed MQTT client id (persistent session upstream); default gp-{site.id}. */
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits, _ . : -')
      .optional(),
    /** Topic prefix; default city/v1/site/{site.id}. */
    prefix: z
      .string()
      .regex(PREFIX, 'must be topic levels like city/v1/site/yanghe (no + # or empty level)')
      .optional(),
    forward: z.array(z.enum(['alert', 'events'])).default(['alert', 'events']),
    /** Event kinds forwarded under `events` (default all: tap, panic, rollcall, heartbeat, status). */
    eventKinds: z.array(z.enum(['tap', 'panic', 'rollcall', 'heartbeat', 'status'])).optional(),
    /** Commands the city may send down (default none). */
    accept: z.array(z.enum(['rollcall', 'alert'])).default([]),
    /** MQTT version to the upstream broker; 5 lets the broker itself drop packets over our size limit. */
    version: z.enum(['5', '3.1.1']).default('5'),
    /** CA certificate file (PEM) for mqtts:// / wss:// to a private CA. */
    ca: z.string().min(1).optional(),
    /** QoS 1 publishes awaiting PUBACK at once (default 100). */
    window: z.number().int().min(1).max(1000).default(100),
    /** No PUBACK progress for this long while connected: reconnect (default 30s). */
    ackTimeout: duration.default('30s'),
    /** Longest wait between reconnect attempts (default 30s; jittered back-off from 1 s). */
    reconnectMax: duration.default('30s'),
  })
  .optional();

export type UplinkConfig = NonNullable<z.infer<typeof uplinkSchema>>;
