/**
 * Kept for code written before the ports moved: the types now live in
 * `gateway/src/ports.ts`. New code imports from there.
 */
export type {
  CommandRoute,
  Extension,
  GatewayContext,
  GatewayQueries,
  HttpRoutes,
  IngestPort,
  IngestResult,
  MessageOrigin,
  OutboundSink,
  PublishOptions,
  RouteHandler,
} from '../ports.js';
