/**
 * The shape of /console/config.json, on its own without imports so the
 * browser page's JSDoc types (gateway/console-web/types.d.ts) check against
 * the very type the gateway builds (console/config.ts).
 */

export interface ConsoleAccountInfo {
  id: string;
  kind: 'console' | 'operator';
  role: 'console' | 'admin' | 'technician';
  unit: string | null;
  zone: string | null;
  /** The account's `name` from config (null: the page shows its unit's duty room, else the id). */
  name: string | null;
  /** May acknowledge and resolve alerts. */
  canAck: boolean;
}

export interface ConsoleConfig {
  wsPort: number;
  wsPath: string;
  account: ConsoleAccountInfo;
  topics: {
    subscribe: string[];
    /** unit → ack / resolve / take / view / checklist topic this account may publish to. */
    ack: Record<string, string>;
    resolve: Record<string, string>;
    take: Record<string, string>;
    view: Record<string, string>;
    checklist: Record<string, string>;
  };
  site: {
    id: string;
    name: string;
    timezone: string;
    zones: { id: string; name: string; lead: string | null; ackTimeout: string }[];
    units: {
      id: string;
      name: string;
      zone: string;
      kind: string;
      neighbours: string[];
      phone: string | null;
      address: string | null;
    }[];
    devices: {
      id: string;
      kind: string;
      unit: string;
      checkpoint: string | null;
      heartbeat: string | null;
      location: string | null;
    }[];
    guards: { id: string; name: string; unit: string }[];
    checkpoints: { id: string; unit: string; name: string }[];
    routes: { id: string; zone: string; name: string; checkpoints: string[]; joint: boolean }[];
  };
  /** Console account → unit (which duty room is which) and its configured name. */
  consoles: { id: string; unit: string; name: string | null }[];
  /** Operator accounts' configured names (who acknowledged, who was told). */
  operators: { id: string; name: string | null }[];
}
