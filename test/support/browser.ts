/** Headless chromium (the system's /usr/bin/chromium) through playwright-core, fresh profile each time. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(
  opts: {
    httpCredentials?: { username: string; password: string };
    viewport?: { width: number; height: number };
    /** Browser language (default zh-CN, as in a duty room). */
    locale?: string;
  } = {},
): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'gp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: opts.viewport ?? { width: 1600, height: 900 },
    locale: opts.locale ?? 'zh-CN',
    ...(opts.httpCredentials ? { httpCredentials: opts.httpCredentials } : {}),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
