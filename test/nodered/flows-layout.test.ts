/**
 * The shipped Node-RED flows are laid out so no two nodes of a tab are
 * drawn on top of each other. Node-RED draws a node centred on (x, y), 30 px
 * high and as wide as its label: icon and padding (~50 px) plus the text,
 * at least 100 px. The text width is estimated generously (8 px per ASCII
 * character, 14 px per CJK one, as the editor's 14 px sans-serif renders
 * them at most), and boxes must keep a 10 px gap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/gateway.js';

const DIR = join(ROOT, 'flows', 'shipped');
const GAP = 10;

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  x?: number;
  y?: number;
}

interface Box {
  id: string;
  label: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function textWidth(label: string): number {
  let w = 0;
  for (const ch of label) w += /[\u2E80-\u9FFF\uFF00-\uFFEF]/.test(ch) ? 14 : 8;
  return w;
}

function boxOf(n: FlowNode): Box | null {
  if (typeof n.x !== 'number' || typeof n.y !== 'number') return null;
  const label = n.name?.trim() || n.type;
  const width = Math.max(100, 50 + textWidth(label));
  return { id: n.id, label, left: n.x - width / 2, right: n.x + width / 2, top: n.y - 15, bottom: n.y + 15 };
}

const apart = (a: Box, b: Box): boolean =>
  a.right + GAP <= b.left || b.right + GAP <= a.left || a.bottom + GAP <= b.top || b.bottom + GAP <= a.top;

function overlaps(nodes: FlowNode[]): string[] {
  const byTab = new Map<string, Box[]>();
  for (const n of nodes) {
    const box = boxOf(n);
    if (!box || !n.z) continue;
    byTab.set(n.z, [...(byTab.get(n.z) ?? []), box]);
  }
  const out: string[] = [];
  for (const [tab, boxes] of byTab)
    boxes.forEach((a, i) => {
      for (const b of boxes.slice(i + 1)) if (!apart(a, b)) out.push(`${tab}: "${a.label}" / "${b.label}"`);
    });
  return out;
}

describe('shipped flows layout', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('finds the flows', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(`${file}: no node drawn over another`, () => {
      const nodes = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as FlowNode[];
      expect(overlaps(nodes)).toEqual([]);
    });
  }

  it('the check sees an overlap', () => {
    const nodes: FlowNode[] = [
      { id: 'a', type: 'change', z: 't', name: 'webhook URL from $GUARDPOST_WEBHOOK_URL', x: 400, y: 120 },
      { id: 'b', type: 'switch', z: 't', name: 'webhook configured?', x: 650, y: 120 },
    ];
    expect(overlaps(nodes)).toHaveLength(1);
  });
});
