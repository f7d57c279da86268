import { escapeHtml } from './notify-email.js';

/** What the renderers need: the `statement --json` document and the influencer's name. */
export interface StatementDoc {
  readonly influencer_id: string;
  readonly month: string;
  readonly currencies: readonly {
    currency: string;
    opening: string;
    credited: string;
    reversed: string;
    paid: string;
    returned: string;
    closing: string;
  }[];
  readonly lines: readonly {
    at: string;
    kind: string;
    order_id: string | null;
    payout_id: string | null;
    amount: string;
    currency: string;
  }[];
}

const SUMMARY = ['opening', 'credited', 'reversed', 'paid', 'returned', 'closing'] as const;
const KIND_LABEL: Record<string, string> = {
  credit: 'credited',
  reversal: 'reversed',
  payout: 'paid',
  return: 'returned',
};
const lineRef = (l: StatementDoc['lines'][number]) =>
  l.order_id ? `order ${l.order_id}` : l.payout_id ? `payout ${l.payout_id}` : '';

function columns(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Plain text for a terminal or an email: the summary per currency, then the lines. */
export function statementText(doc: StatementDoc, name: string): string {
  const out = [`Statement ${doc.month} for ${name} (${doc.influencer_id})`, ''];
  if (doc.currencies.length === 0) out.push('No balance and no activity this month.');
  else
    out.push(
      columns([['currency', ...SUMMARY], ...doc.currencies.map((c) => [c.currency, ...SUMMARY.map((k) => c[k])])]),
    );
  if (doc.lines.length > 0) {
    out.push(
      '',
      columns([
        ['date', 'kind', 'amount', 'currency', 'reference'],
        ...doc.lines.map((l) => [l.at.slice(0, 10), KIND_LABEL[l.kind] ?? l.kind, l.amount, l.currency, lineRef(l)]),
      ]),
    );
  }
  return out.join('\n');
}

/** One self-contained HTML page (no scripts, no external fonts or styles). */
export function statementHtml(doc: StatementDoc, name: string): string {
  const e = escapeHtml;
  const head = (cells: readonly string[]) => `<tr>${cells.map((c) => `<th>${e(c)}</th>`).join('')}</tr>`;
  const row = (cells: readonly string[]) =>
    `<tr>${cells.map((c, i) => `<td${i > 0 ? ' class="n"' : ''}>${e(c)}</td>`).join('')}</tr>`;
  const summary = doc.currencies.length
    ? `<table>${head(['currency', ...SUMMARY])}${doc.currencies.map((c) => row([c.currency, ...SUMMARY.map((k) => c[k])])).join('')}</table>`
    : '<p>No balance and no activity this month.</p>';
  const lines = doc.lines.length
    ? `<h2>Lines</h2><table>${head(['date', 'kind', 'amount', 'currency', 'reference'])}${doc.lines.map((l) => row([l.at.slice(0, 10), KIND_LABEL[l.kind] ?? l.kind, l.amount, l.currency, lineRef(l)])).join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statement ${e(doc.month)} – ${e(name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body><h1>Statement ${e(doc.month)}</h1><p>${e(name)} <small>(${e(doc.influencer_id)})</small></p>
<p>closing = opening + credited − reversed − paid + returned</p>
${summary}
${lines}
</body></html>
`;
}
