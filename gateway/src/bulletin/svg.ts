/**
 * Bar charts as inline SVG, drawn here so the bulletin is one self-contained
 * page (no chart library, no CDN) that prints the same as it shows.
 */

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

export interface BarChartSpec {
  title: string;
  categories: string[];
  series: BarSeries[];
  /** 'percent': values are shares 0..1 shown as %. */
  format?: 'count' | 'percent';
  /** A horizontal reference line (e.g. a threshold), in value units. */
  threshold?: { value: number; label: string };
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round tick step for about four intervals: 1, 2 or 5 × 10^k (at least 1 for counts). */
function niceStep(range: number, integer: boolean): number {
  const raw = range / 4;
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  return integer ? Math.max(1, Math.round(step)) : step;
}

const fmt = (v: number, format: BarChartSpec['format']): string =>
  format === 'percent' ? `${Math.round(v * 100)}%` : Number.isInteger(v) ? String(v) : v.toFixed(1);

/** The value axis: round ticks of `step` from `lowV` (0, or below it for negative values) to `maxV` (100% at least for shares). */
function valueScale(spec: BarChartSpec): { step: number; maxV: number; lowV: number } {
  const all = spec.series.flatMap((s) => s.values);
  const top0 = Math.max(0, ...all, spec.threshold?.value ?? 0);
  const low0 = Math.min(0, ...all);
  const percent = spec.format === 'percent';
  const step = percent ? 0.25 : niceStep(Math.max(1, top0 - low0), true);
  const maxV = percent
    ? Math.max(1, Math.ceil(top0 / step) * step)
    : Math.max(step, Math.ceil(top0 / step) * step);
  const lowV = low0 < 0 ? -Math.ceil(-low0 / step) * step : 0;
  return { step, maxV, lowV };
}

/** The opening tag with the chart's accessible name, and its title drawn at (x, y). */
function opening(cls: string, title: string, width: number, height: number, x: number, y: number): string[] {
  return [
    `<svg class="${cls}" role="img" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${x}" y="${y}" class="chart-title">${escapeXml(title)}</text>`,
  ];
}

/** One swatch and name per series, 160 apart from x on the baseline y. */
function legend(series: BarSeries[], x: number, y: number): string[] {
  return series.flatMap((s, si) => {
    const lx = x + si * 160;
    return [
      `<rect x="${lx}" y="${y - 9}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${lx + 14}" y="${y}" class="legend">${escapeXml(s.name)}</text>`,
    ];
  });
}

export function barChart(spec: BarChartSpec): string {
  const { categories, series } = spec;
  const format = spec.format ?? 'count';
  const width = 720;
  const height = 260;
  const left = 48;
  const right = 12;
  const top = 34;
  const bottom = 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const { step, maxV, lowV } = valueScale(spec);
  const y = (v: number) => top + plotH - ((v - lowV) / (maxV - lowV)) * plotH;
  const parts = opening('chart', spec.title, width, height, left, 18);
  // grid and y ticks
  for (let v = lowV; v <= maxV + step / 1000; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" class="grid"/>`);
    parts.push(
      `<text x="${left - 6}" y="${yy}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(v, format)}</text>`,
    );
  }
  const groupW = categories.length > 0 ? plotW / categories.length : plotW;
  const barW = Math.max(2, Math.min(36, (groupW * 0.8) / Math.max(1, series.length)));
  categories.forEach((cat, ci) => {
    const gx = left + ci * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const y0 = y(0);
      const y1 = y(v);
      const x = gx + si * barW;
      const h = Math.abs(y0 - y1);
      parts.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${cat} · ${s.name}: ${fmt(v, format)}`)}</title></rect>`,
      );
      if (v !== 0) {
        parts.push(
          `<text class="value" x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(v >= 0 ? y1 - 3 : y1 + 11).toFixed(1)}" text-anchor="middle">${fmt(v, format)}</text>`,
        );
      }
    });
    const label = cat.length > 10 ? `${cat.slice(0, 9)}…` : cat;
    parts.push(
      `<text class="cat" x="${(left + ci * groupW + groupW / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" class="axis"/>`,
  );
  if (spec.threshold) {
    const ty = y(spec.threshold.value).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" class="threshold"/>`);
    parts.push(
      `<text x="${width - right}" y="${Number(ty) - 4}" text-anchor="end" class="threshold-label">${escapeXml(spec.threshold.label)}</text>`,
    );
  }
  parts.push(...legend(series, left, height - 14));
  parts.push('</svg>');
  return parts.join('');
}

/** Rough rendered width of a label: CJK and full-width characters 1 em, others about 0.6 em. */
export function textWidth(s: string, fontPx: number): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? fontPx
      : fontPx * 0.6;
  return w;
}

export interface HBarChartSpec extends BarChartSpec {
  /** Width of the drawing in SVG units (default 720; small multiples use less). */
  width?: number;
}

/**
 * Horizontal bars, one row per category with its full label on the left:
 * readable for 37 units or 200 (the height grows with the rows, labels never
 * share a line, so they cannot overlap or be cut).
 */
export function hbarChart(spec: HBarChartSpec): string {
  const { categories, series } = spec;
  const format = spec.format ?? 'count';
  const width = spec.width ?? 720;
  const font = 12;
  const barH = series.length > 1 ? 9 : 12;
  const rowH = Math.max(font + 8, barH * series.length + 8);
  const labelW =
    Math.ceil(Math.min(width * 0.45, Math.max(40, ...categories.map((c) => textWidth(c, font))))) + 10;
  const right = 44;
  const top = 52;
  const legendH = series.length > 1 ? 22 : 6;
  const plotW = width - labelW - right;
  const height = top + rowH * Math.max(1, categories.length) + legendH;
  const { step, maxV, lowV } = valueScale(spec);
  const x = (v: number) => labelW + ((v - lowV) / (maxV - lowV)) * plotW;
  const bottom = top + rowH * Math.max(1, categories.length);
  const parts = opening('chart hbar', spec.title, width, height, 0, 16);
  // the value axis on top: ticks every step, skipped when they would crowd
  const tickEvery = Math.max(1, Math.ceil((maxV - lowV) / step / Math.max(1, Math.floor(plotW / 48))));
  let i = 0;
  for (let v = lowV; v <= maxV + step / 1000; v += step, i++) {
    const xx = x(v).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${bottom}" class="grid"/>`);
    if (i % tickEvery === 0)
      parts.push(`<text x="${xx}" y="${top - 8}" class="tick" text-anchor="middle">${fmt(v, format)}</text>`);
  }
  categories.forEach((cat, ci) => {
    const y0 = top + ci * rowH;
    parts.push(
      `<text class="cat" x="${labelW - 8}" y="${(y0 + rowH / 2).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${escapeXml(cat)}</text>`,
    );
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const by = y0 + (rowH - barH * series.length) / 2 + si * barH;
      const x0 = x(0);
      const x1 = x(v);
      parts.push(
        `<rect class="bar" x="${Math.min(x0, x1).toFixed(1)}" y="${by.toFixed(1)}" width="${Math.abs(x1 - x0).toFixed(1)}" height="${(barH - 1).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${cat} · ${s.name}: ${fmt(v, format)}`)}</title></rect>`,
      );
      parts.push(
        `<text class="value" x="${(Math.max(x0, x1) + 3).toFixed(1)}" y="${(by + barH / 2).toFixed(1)}" dominant-baseline="middle">${fmt(v, format)}</text>`,
      );
    });
  });
  parts.push(
    `<line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="${top - 4}" y2="${bottom}" class="axis"/>`,
  );
  if (spec.threshold) {
    const tx = x(spec.threshold.value).toFixed(1);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${top - 4}" y2="${bottom}" class="threshold"/>`);
    parts.push(
      `<text x="${tx}" y="${top - 22}" text-anchor="middle" class="threshold-label">${escapeXml(spec.threshold.label)}</text>`,
    );
  }
  if (series.length > 1) parts.push(...legend(series, labelW, height - 6));
  parts.push('</svg>');
  return parts.join('');
}
