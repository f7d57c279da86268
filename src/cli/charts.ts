/** Terminal charts from block characters: a few lines, no library. Values only scale glyphs. */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A horizontal bar `width` cells long at `max`, in eighths of a cell; a non-zero value shows at least a sliver. */
export function bar(value: number, max: number, width: number): string {
  if (!(value > 0) || !(max > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** One glyph per value, from ▁ (the smallest) to █ (the largest); all-zero series stay flat. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  const min = Math.min(...values, max);
  return values
    .map((v) => {
      if (max === min) return max > 0 ? SPARKS[3] : SPARKS[0];
      return SPARKS[Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))];
    })
    .join('');
}
