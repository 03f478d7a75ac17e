/**
 * Request bodies of push terminals, bounded in size and time: a body larger
 * than the cap (declared or sent) or slower than the deadline is refused and
 * its connection closed, so neither a huge upload nor a trickling one
 * (slowloris) holds memory or a socket for long.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Body = { ok: true; text: string } | { ok: false; status: 408 | 413; reason: string };

export interface BodyLimits {
  maxBytes: number;
  deadlineMs: number;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  const tooBig: Body = { ok: false, status: 413, reason: `body larger than ${limits.maxBytes} bytes` };
  if (Number.isFinite(declared) && declared > limits.maxBytes) return Promise.resolve(tooBig);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (b: Body): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      resolve(b);
    };
    const timer = setTimeout(
      () => finish({ ok: false, status: 408, reason: `body not received within ${limits.deadlineMs} ms` }),
      limits.deadlineMs,
    );
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limits.maxBytes) finish(tooBig);
      else chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () =>
      finish({ ok: false, status: 408, reason: 'connection failed while reading the body' }),
    );
  });
}

/** Plain-text answer, as terminals expect; `close` ends the connection after it (refused bodies). */
export function sendText(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'content-type': 'text/plain', 'cache-control': 'no-store' };
  if (close) headers.connection = 'close';
  if (status === 503) headers['retry-after'] = '30';
  res.writeHead(status, headers);
  res.end(text);
  // a refused body is not read to its end: the socket goes once the answer is out
  if (close) res.once('finish', () => setTimeout(() => res.socket?.destroy(), 200).unref());
}
