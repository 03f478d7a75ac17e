/**
 * The part of the Node-RED runtime API these nodes use, for type-checking
 * their JavaScript (flows/tsconfig.json, checkJs): Node-RED 4 ships no
 * typings and @types/node-red is not a dependency.
 */
import type { Packet } from 'mqtt';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface NodeMessage {
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;
export type Done = (err?: Error) => void;

/** A node's settings from the editor (every field a string unless the .html says otherwise). */
export interface NodeConfig {
  id: string;
  type: string;
  name?: string;
  gateway?: string;
  [key: string]: string | boolean | number | undefined;
}

export interface Node {
  id: string;
  name?: string;
  credentials?: { password?: string };
  status(s: NodeStatus): void;
  send(msg: NodeMessage | (NodeMessage | null)[]): void;
  warn(m: unknown): void;
  error(m: unknown, msg?: NodeMessage): void;
  on(event: 'input', handler: (msg: NodeMessage, send: Send, done: Done) => void): void;
  on(event: 'close', handler: (done: () => void) => void): void;
}

export type MessageHandler = (topic: string, payload: Buffer, packet: Packet) => void;

/** The guardpost-gateway config node as the other guardpost nodes use it. */
export interface GatewayNode extends Node {
  url: string;
  user: string;
  currentStatus(): NodeStatus;
  register(user: Node): void;
  deregister(user: Node): void;
  subscribe(filter: string, handler: MessageHandler): () => void;
  publish(topic: string, payload: string | Buffer | object, opts?: { qos?: 0 | 1 }): Promise<void>;
}

export interface NodeAPI {
  nodes: {
    createNode(node: Node, config: NodeConfig): void;
    getNode(id: unknown): Node | null;
    registerType<N extends Node>(
      type: string,
      ctor: (this: N, config: NodeConfig) => void,
      opts?: object,
    ): void;
  };
  /** The node's message catalogue (locales/). */
  _(key: string, substitutions?: Record<string, unknown>): string;
}
