/**
 * /healthz and /metrics from the parts of the running gateway: each part
 * (journal, broker, ingest, clock, every extension) reports its own section
 * and refreshes its own gauges; only the journal decides the status code
 * (503 when it cannot write or keeps its reserve for alarms). A part whose
 * health throws shows the error in its section instead of failing the page.
 */
import type { Registry } from 'prom-client';
import { sendJson } from '../http/router.js';
import type { HttpRoutes } from '../ports.js';

/** One part of the gateway as /healthz and /metrics see it (an Extension is one). */
export interface HealthPart {
  readonly name: string;
  /** Its section of /healthz, under its name. */
  health?(): Record<string, unknown>;
  /** Refresh its gauges just before /metrics is scraped. */
  collect?(): void;
}

/** What makes /healthz 503: the journal's state. */
export interface Vital {
  ok: boolean;
  /** `ok`, `journal-unwritable`, `journal-reserve`, `journal-disk-full`. */
  status: string;
}

export interface HealthReport {
  status: number;
  body: Record<string, unknown>;
}

export class HealthBoard {
  private readonly parts: HealthPart[] = [];

  constructor(
    private readonly site: string,
    private readonly vital: () => Vital,
    private readonly registry: Registry,
  ) {}

  add(...parts: HealthPart[]): void {
    this.parts.push(...parts);
  }

  report(): HealthReport {
    const v = this.vital();
    const body: Record<string, unknown> = {
      status: v.status,
      site: this.site,
      uptimeS: Math.round(process.uptime()),
    };
    for (const p of this.parts) if (p.health) body[p.name] = safeHealth(p);
    return { status: v.ok ? 200 : 503, body };
  }

  async metrics(): Promise<string> {
    for (const p of this.parts) p.collect?.();
    return this.registry.metrics();
  }

  routes(http: HttpRoutes): void {
    http.add('GET', '/healthz', (_req, res) => {
      const h = this.report();
      sendJson(res, h.status, h.body);
    });
    http.add('GET', '/metrics', async (_req, res) => {
      const text = await this.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(text);
    });
  }
}

function safeHealth(p: HealthPart): Record<string, unknown> {
  try {
    return p.health?.() ?? {};
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
