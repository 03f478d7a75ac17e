/**
 * Network listeners: MQTT over TCP, MQTT over TLS, MQTT over WebSocket, and
 * the HTTP server. A port that is taken is a clear error at start.
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { ConnInfo } from './conn-guard.js';
import { rememberRemoteAddress } from './remote-address.js';

export class ListenError extends Error {
  constructor(
    readonly what: string,
    readonly host: string,
    readonly port: number,
    cause: NodeJS.ErrnoException,
  ) {
    const why =
      cause.code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use (another guardpost or broker running?)`
        : cause.code === 'EACCES'
          ? `no permission to listen on port ${port} on ${host} (ports < 1024 need privileges)`
          : cause.message;
    super(`cannot start ${what}: ${why}`);
  }
}

export function listen(
  server: NetServer | HttpServer,
  what: string,
  host: string,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ListenError(what, host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Takes an accepted connection; `info` says what carries it (conn-guard.ts). */
export type Handle = (stream: Duplex, info?: ConnInfo) => unknown;

export function mqttTcpServer(handle: Handle): NetServer {
  return createNetServer((socket) => handle(socket, { transport: 'tcp' }));
}

export function mqttTlsServer(handle: Handle, opts: { cert: string; key: string; ca?: string }): NetServer {
  return createTlsServer(
    {
      cert: readFileSync(opts.cert),
      key: readFileSync(opts.key),
      ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}),
    },
    (socket) => handle(socket, { transport: 'tls' }),
  );
}

/**
 * MQTT over WebSocket on its own HTTP server. noServer + our own upgrade
 * routing (see stack notes: a ws server bound with {server, path} answers
 * other upgrades with 400). One WebSocket message may carry several MQTT
 * packets, so it may be twice the largest packet (each packet's own size is
 * checked in conn-guard.ts).
 */
export function attachMqttWebSocket(
  server: HttpServer,
  handle: Handle,
  maxPacketBytes = 64 * 1024,
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * maxPacketBytes });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/' && path !== '/mqtt') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      rememberRemoteAddress(stream, req.socket.remoteAddress); // the login back-off is keyed by it
      stream.on('error', () => stream.destroy());
      // what ws itself still holds counts towards the client's outbound buffer
      handle(stream, { transport: 'ws', belowPending: () => ws.bufferedAmount });
    });
  });
  return wss;
}
