/**
 * The gateway's listeners: MQTT over TCP (and TLS), MQTT over WebSocket, and
 * HTTP(S) for the router. Either all of them are bound, or none stays open
 * (a port that is taken closes the ones already bound and throws the
 * ListenError start.ts turns into exit 3).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { attachMqttWebSocket, listen, mqttTcpServer, mqttTlsServer } from '../broker/listeners.js';
import { type Router, sendJson } from '../http/router.js';
import type { GatewayContext } from '../ports.js';

export interface ListenOptions {
  host: string;
  mqtt: number;
  ws: number;
  http: number;
  mqtts?: { port: number; cert: string; key: string; ca?: string };
  httpTls?: { cert: string; key: string };
}

export interface Listeners {
  /** The ports actually bound (0 in the options: any free port). */
  addresses: GatewayContext['addresses'];
  /** Stop taking connections and close the open ones. */
  close(): Promise<void>;
}

export async function serve(
  opts: ListenOptions,
  mqtt: { handle: (stream: Duplex) => unknown; maxPacketBytes: number },
  router: Router,
  logger: Logger,
): Promise<Listeners> {
  const servers: (NetServer | HttpServer)[] = [];
  const addresses: GatewayContext['addresses'] = { mqtt: 0, ws: 0, http: 0 };
  const { host } = opts;
  try {
    const tcp = mqttTcpServer(mqtt.handle);
    servers.push(tcp);
    addresses.mqtt = await listen(tcp, 'MQTT listener', host, opts.mqtt);
    if (opts.mqtts) {
      const tls = mqttTlsServer(mqtt.handle, opts.mqtts);
      servers.push(tls);
      addresses.mqtts = await listen(tls, 'MQTT TLS listener', host, opts.mqtts.port);
    }
    const wsHttp = createHttpServer(HTTP_LIMITS, (_req, res) =>
      sendJson(res, 426, { error: 'MQTT over WebSocket only' }),
    );
    attachMqttWebSocket(wsHttp, mqtt.handle, mqtt.maxPacketBytes);
    servers.push(wsHttp);
    addresses.ws = await listen(wsHttp, 'MQTT WebSocket listener', host, opts.ws);
    const onRequest = (
      req: Parameters<Router['dispatch']>[0],
      res: Parameters<Router['dispatch']>[1],
    ): void => {
      router.dispatch(req, res).catch((err: unknown) => {
        logger.error({ err, url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    };
    const http = opts.httpTls
      ? createHttpsServer(
          { ...HTTP_LIMITS, cert: readFileSync(opts.httpTls.cert), key: readFileSync(opts.httpTls.key) },
          onRequest,
        )
      : createHttpServer(HTTP_LIMITS, onRequest);
    servers.push(http);
    addresses.http = await listen(http, 'HTTP listener', host, opts.http);
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
  return { addresses, close: () => closeAll(servers) };
}

/**
 * Slow clients (slowloris: headers or bodies trickled to hold sockets) are cut
 * off: headers within 10 s, a whole request within 30 s, checked every 2 s
 * (Node's defaults are 60 s / 300 s checked every 30 s). Responses are not
 * limited: a bulletin download may take longer.
 */
const HTTP_LIMITS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 2_000 };

function closeAll(servers: (NetServer | HttpServer)[]): Promise<void> {
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          if ('closeAllConnections' in s) s.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
}
