/**
 * The alarm-handling policy of a site (docs/site-config.md "Alarm handling"),
 * read once from `gateway.alerts` and `zones[].escalation` with the defaults
 * in one place: restore policy, storm grouping, checklists, classification,
 * button-test reminders, drill limits and each zone's escalation ladder.
 */
import { parseDuration } from '../../config/schema.js';
import type { Site } from '../../config/site.js';
import type { AlertKind, ChecklistItem } from '../../model/alert.js';

export interface LadderLevel {
  /** Delay after the previous level (level 1: the raise itself, always at once). */
  afterMs: number;
  /** Unit ids, account ids, `neighbours`, `lead`. */
  targets: string[];
}

export interface Ladder {
  levels: LadderLevel[];
  /** The v1 form (`escalation: [accounts]`): level 2 after ackTimeout, v1 texts, no presence skip. */
  v1: boolean;
}

export interface AlertPolicy {
  restore(kind: AlertKind): 'auto' | 'manual';
  storm: { count: number; windowMs: number; kinds: ReadonlySet<string> };
  checklist(kind: AlertKind): ChecklistItem[];
  requireClassification: boolean;
  /** 0: no button-test reminders. */
  buttonTestMs: number;
  maxDrillMs: number;
  ladder(zone: string): Ladder;
}

/** Default SOP for a panic (GB 50394 practice: call back, send someone, call 110, close out). */
export const PANIC_CHECKLIST: readonly { step: string; text: string; textEn: string }[] = [
  { step: 'call_unit', text: '致电报警单位值班室核实情况', textEn: 'Call the alarming unit’s duty room' },
  { step: 'send_guard', text: '派保安前往现场增援', textEn: 'Send a guard to the scene' },
  { step: 'notify_110', text: '确有警情立即拨打110报警', textEn: 'If it is real, call 110' },
  {
    step: 'confirm_safe',
    text: '确认现场安全并记录处置经过',
    textEn: 'Confirm the scene is safe and note what was done',
  },
];

export const DEFAULT_STORM = { count: 5, windowMs: 60_000, kinds: ['device_offline', 'tamper'] };
export const DEFAULT_BUTTON_TEST_MS = 30 * 86_400_000;
export const DEFAULT_MAX_DRILL_MS = 2 * 3_600_000;

export function alertPolicy(site: Site): AlertPolicy {
  const cfg = site.config.gateway?.alerts ?? {};
  const restore = cfg.restore ?? 'auto';
  const checklists = new Map<string, ChecklistItem[]>();
  const fresh = (items: readonly { step: string; text: string; textEn?: string }[]): ChecklistItem[] =>
    items.map((i) => ({
      step: i.step,
      text: i.text,
      textEn: i.textEn ?? i.text,
      done: false,
      by: null,
      at: null,
    }));
  for (const [kind, items] of Object.entries(cfg.checklists ?? {}))
    if (items) checklists.set(kind, fresh(items));
  if (!checklists.has('panic')) checklists.set('panic', fresh(PANIC_CHECKLIST));
  const ladders = new Map<string, Ladder>();
  for (const z of site.config.zones) ladders.set(z.id, ladderOf(site, z.id));
  return {
    restore: (kind) =>
      typeof restore === 'string'
        ? restore
        : ((kind === 'device_offline' || kind === 'tamper' ? restore[kind] : undefined) ?? 'auto'),
    storm: {
      count: cfg.storm?.count ?? DEFAULT_STORM.count,
      windowMs: cfg.storm?.window ? parseDuration(cfg.storm.window) : DEFAULT_STORM.windowMs,
      kinds: new Set(cfg.storm?.kinds ?? DEFAULT_STORM.kinds),
    },
    checklist: (kind) => (checklists.get(kind) ?? []).map((i) => ({ ...i })),
    requireClassification: cfg.requireClassification ?? false,
    buttonTestMs: cfg.buttonTest ? parseDuration(cfg.buttonTest) : DEFAULT_BUTTON_TEST_MS,
    maxDrillMs: cfg.maxDrill ? parseDuration(cfg.maxDrill) : DEFAULT_MAX_DRILL_MS,
    ladder: (zone) => ladders.get(zone) ?? ladderOf(site, zone),
  };
}

/** The zone's ladder; the v1 list of accounts is level 2 after ackTimeout. */
function ladderOf(site: Site, zone: string): Ladder {
  const esc = site.zones.get(zone)?.escalation ?? [];
  if (esc.length === 0 || esc.every((e) => typeof e === 'string')) {
    const accounts = esc.filter((e): e is string => typeof e === 'string');
    return {
      v1: true,
      levels: [
        { afterMs: 0, targets: [] },
        { afterMs: site.ackTimeoutMs(zone), targets: accounts },
      ],
    };
  }
  return {
    v1: false,
    levels: esc.flatMap((e) =>
      typeof e === 'string' ? [] : [{ afterMs: parseDuration(e.after), targets: [...e.targets] }],
    ),
  };
}
