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
  const all = series.flatMap((s) => s.values);
  const top0 = Math.max(0, ...all, spec.threshold?.value ?? 0);
  const bottom0 = Math.min(0, ...all);
  const step = format === 'percent' ? 0.25 : niceStep(Math.max(1, top0 - bottom0), true);
  const maxV =
    format === 'percent'
      ? Math.max(1, Math.ceil(top0 / step) * step)
      : Math.max(step, Math.ceil(top0 / step) * step);
  const lowV = bottom0 < 0 ? -Math.ceil(-bottom0 / step) * step : 0;
  const y = (v: number) => top + plotH - ((v - lowV) / (maxV - lowV)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" aria-label="${escapeXml(spec.title)}">`,
  );
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<text x="${left}" y="18" class="chart-title">${escapeXml(spec.title)}</text>`);
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
  // legend
  series.forEach((s, si) => {
    const lx = left + si * 160;
    const ly = height - 14;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}" class="legend">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
