/** gateway.zkpush (docs/site-config.md "Push terminals") → the extension's options. */
import { parseDuration, type SiteConfig } from '../config/schema.js';
import type { ZkPushOptions } from './extension.js';

export function zkPushOptions(cfg: NonNullable<SiteConfig['gateway']>['zkpush']): ZkPushOptions {
  if (!cfg) return {};
  return {
    ...(cfg.maxBodyKB ? { maxBodyBytes: cfg.maxBodyKB * 1024 } : {}),
    ...(cfg.bodyTimeout ? { bodyDeadlineMs: parseDuration(cfg.bodyTimeout) } : {}),
    ...(cfg.rate ? { rate: cfg.rate } : {}),
    ...(cfg.delay ? { delayS: Math.max(1, Math.round(parseDuration(cfg.delay) / 1000)) } : {}),
  };
}
