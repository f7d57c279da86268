/** Bar charts as inline SVG strings: no script, no font files, nothing fetched. */

export interface Bar {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  /** Shown in the tooltip and beside horizontal bars. */
  readonly text: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly metric: string;
  readonly currency: string;
  readonly bars: readonly Bar[];
}

/** Escapes text for HTML and SVG, in content and in quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const WIDTH = 760;
const round1 = (x: number) => Math.round(x * 10) / 10;

function open(spec: ChartSpec, height: number): string {
  return (
    `<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"` +
    ` data-metric="${escapeXml(spec.metric)}" data-currency="${escapeXml(spec.currency)}"><title>${escapeXml(spec.title)}</title>`
  );
}

const rect = (b: Bar, x: number, y: number, w: number, h: number) =>
  `<rect class="bar" x="${round1(x)}" y="${round1(y)}" width="${round1(w)}" height="${round1(h)}" rx="2"` +
  ` data-key="${escapeXml(b.key)}" data-value="${escapeXml(b.text)}"><title>${escapeXml(`${b.label}: ${b.text}`)}</title></rect>`;

/** Columns over time, left to right, with the first, middle and last labels under the axis. */
export function columnChart(spec: ChartSpec): string {
  const height = 220;
  const [top, bottom, left, right] = [16, 28, 8, 8];
  const plot = height - top - bottom;
  const max = Math.max(0, ...spec.bars.map((b) => b.value));
  const step = (WIDTH - left - right) / Math.max(1, spec.bars.length);
  const gap = step > 6 ? Math.min(6, step * 0.2) : 0;
  const parts = [
    open(spec, height),
    `<line class="axis" x1="${left}" x2="${WIDTH - right}" y1="${top + plot}" y2="${top + plot}"/>`,
  ];
  spec.bars.forEach((b, i) => {
    const h = max > 0 && b.value > 0 ? Math.max(1, (b.value / max) * plot) : 0;
    parts.push(rect(b, left + i * step + gap / 2, top + plot - h, Math.max(0.5, step - gap), h));
  });
  const labelled = new Set([0, Math.floor((spec.bars.length - 1) / 2), spec.bars.length - 1]);
  for (const i of labelled) {
    const b = spec.bars[i];
    if (!b) continue;
    const anchor = i === 0 ? 'start' : i === spec.bars.length - 1 ? 'end' : 'middle';
    const x = anchor === 'start' ? left : anchor === 'end' ? WIDTH - right : left + (i + 0.5) * step;
    parts.push(
      `<text class="tick" x="${round1(x)}" y="${height - 8}" text-anchor="${anchor}">${escapeXml(b.label)}</text>`,
    );
  }
  const maxBar = spec.bars.find((b) => b.value === max && max > 0);
  if (maxBar)
    parts.push(
      `<text class="tick" x="${WIDTH - right}" y="${top - 4}" text-anchor="end">max ${escapeXml(maxBar.text)}</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}

/** One horizontal bar per key, largest first as given, label on the left and amount on the right. */
export function barChart(spec: ChartSpec): string {
  const rowHeight = 26;
  const height = Math.max(1, spec.bars.length) * rowHeight + 8;
  const [labelWidth, valueWidth] = [230, 110];
  const plot = WIDTH - labelWidth - valueWidth;
  const max = Math.max(0, ...spec.bars.map((b) => b.value));
  const parts = [open(spec, height)];
  spec.bars.forEach((b, i) => {
    const y = 4 + i * rowHeight;
    const w = max > 0 && b.value > 0 ? Math.max(1, (b.value / max) * plot) : 0;
    const label = b.label.length > 34 ? `${b.label.slice(0, 33)}…` : b.label;
    parts.push(`<text class="label" x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeXml(label)}</text>`);
    parts.push(rect(b, labelWidth, y + 3, w, rowHeight - 8));
    parts.push(`<text class="value" x="${round1(labelWidth + w + 6)}" y="${y + 17}">${escapeXml(b.text)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
