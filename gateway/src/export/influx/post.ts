/**
 * The HTTP POST of prepared line protocol to InfluxDB's v1 `/write`, on
 * Node's own http(s) with a keep-alive agent, no retries (the exporter's
 * are from the journal cursor). Replaces node-influx's internal pool, which
 * is not public API. Failures look the way errors.ts classifies them: a
 * non-2xx answer carries `res.statusCode` and the server's body in the
 * message, a timeout says "timed out", a socket error keeps its `code`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostTarget {
  protocol: 'http' | 'https';
  hostname: string;
  port: number;
  /** Base path in front of `/write` ('' or e.g. `/influx`). */
  path: string;
  timeoutMs: number;
}

/** A non-2xx answer, shaped like node-influx's RequestError (errors.ts reads `res.statusCode`). */
export class InfluxHttpError extends Error {
  override readonly name = 'InfluxHttpError';
  constructor(
    readonly res: { statusCode: number },
    body: string,
  ) {
    super(`A ${res.statusCode} error occurred: ${body}`);
  }
}

export class LinePoster {
  private readonly agent: HttpAgent;

  constructor(private readonly target: PostTarget) {
    this.agent =
      target.protocol === 'https' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** POSTs `body` to `/write` with `query`; resolves on 2xx. `auth` is `user:password`. */
  post(query: Record<string, string | undefined>, body: string, auth: string | undefined): Promise<void> {
    const t = this.target;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v);
    const headers: Record<string, string | number> = {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    };
    if (auth !== undefined) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    const request = t.protocol === 'https' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method: 'POST',
          hostname: t.hostname,
          port: t.port,
          path: `${t.path}/write?${qs.toString()}`,
          headers,
          agent: this.agent,
          timeout: t.timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // an error body is a line or two; never keep more than 64 KiB of one
            if (size < 65_536) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new InfluxHttpError({ statusCode: status }, Buffer.concat(chunks).toString('utf8')));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Request timed out after ${t.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
