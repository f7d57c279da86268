import { formatMajor, parseMajor } from '../../../domain/money.js';
import { conversion as conversionOf, displayKey, isTimeGrouping } from '../../../domain/report.js';
import type { Report } from '../report.js';
import { chartPoints, percent, period, reportCurrencies } from './chart-data.js';
import { barChart, columnChart, escapeXml, type ChartSpec } from './svg-chart.js';

const TIME_BARS = 400;
const KEY_BARS = 25;

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:24px;color:#1f2933;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p.period{color:#52606d;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.card{border:1px solid #d9e2ec;border-radius:8px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:18px}.card span{color:#52606d;font-size:12px}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px}svg .bar{fill:#3b82f6}svg[data-metric=orders] .bar{fill:#14b8a6}
svg .axis{stroke:#9aa5b1}svg text{font-size:12px;fill:#52606d}
table{border-collapse:collapse;font-size:13px;margin-top:8px}th,td{padding:4px 10px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f5f7fa}footer{margin-top:24px;color:#9aa5b1;font-size:12px}`;

const card = (label: string, value: string, name: string) =>
  `<div class="card" data-total="${escapeXml(name)}"><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`;

/** Total clicks: a key's clicks repeat on each of its currency rows, so count each key once. */
function totalClicks(report: Report): number {
  const seen = new Map<string | null, number>();
  for (const r of report.rows) seen.set(r.key, r.clicks);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

function currencySection(report: Report, currency: string): string {
  const rows = report.rows.filter((r) => r.currency === currency);
  const sum = (field: 'sales' | 'commission' | 'refunded') =>
    formatMajor(
      rows.reduce((n, r) => n + parseMajor(r[field], currency), 0n),
      currency,
    );
  const time = isTimeGrouping(report.by);
  const points = chartPoints(report, currency, time ? TIME_BARS : KEY_BARS);
  const chart = time ? columnChart : barChart;
  const spec = (metric: 'sales' | 'orders'): ChartSpec => ({
    title: `${metric === 'sales' ? `Sales (${currency})` : 'Orders'} by ${report.by}`,
    metric,
    currency,
    bars: points.map((p) => ({
      key: p.key,
      label: p.label,
      value: metric === 'sales' ? p.sales : p.orders,
      text: metric === 'sales' ? `${p.salesText} ${currency}` : String(p.orders),
    })),
  });
  const more =
    !time && rows.length > KEY_BARS
      ? `<p class="period">The ${KEY_BARS} largest of ${rows.length}; all are in the table.</p>`
      : '';
  return [
    `<section class="currency" data-currency="${escapeXml(currency)}"><h2>${escapeXml(currency)}</h2>`,
    `<div class="cards">${card(`orders`, String(rows.reduce((n, r) => n + r.orders, 0)), `orders-${currency}`)}`,
    `${card(`sales ${currency}`, sum('sales'), `sales-${currency}`)}${card(`commission ${currency}`, sum('commission'), `commission-${currency}`)}`,
    `${card(`refunded ${currency}`, sum('refunded'), `refunded-${currency}`)}</div>`,
    `<h3>Sales by ${escapeXml(report.by)}</h3>${chart(spec('sales'))}${more}`,
    `<h3>Orders by ${escapeXml(report.by)}</h3>${chart(spec('orders'))}</section>`,
  ].join('\n');
}

function rowsTable(report: Report): string {
  const head = [report.by, 'currency', 'clicks', 'orders', 'conversion', 'sales', 'commission', 'refunded'];
  const body = report.rows.map((r) => {
    const cells = [
      displayKey(report.by, r.key, r.label),
      r.currency ?? '',
      String(r.clicks),
      String(r.orders),
      percent(r.conversion),
      r.sales,
      r.commission,
      r.refunded,
    ];
    const names = ['key', 'currency', 'clicks', 'orders', 'conversion', 'sales', 'commission', 'refunded'];
    return `<tr data-key="${escapeXml(r.key ?? '')}">${cells.map((c, i) => `<td data-col="${names[i]}">${escapeXml(c)}</td>`).join('')}</tr>`;
  });
  return `<table id="rows"><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

/**
 * The report as one self-contained HTML page: totals, per currency a chart of sales and one of
 * orders (inline SVG), and every row in a table. A Content-Security-Policy forbids scripts and
 * any fetch, so the page shows the same offline, from a mail attachment or a file share.
 */
export function buildReportHtml(report: Report): string {
  const clicks = totalClicks(report);
  const orders = report.rows.reduce((n, r) => n + r.orders, 0);
  const conversion = conversionOf(orders, clicks);
  const title = `tracknow report by ${report.by}`;
  const scope = `${period(report)}${report.merchant_id ? `, merchant ${report.merchant_id}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeXml(title)}</h1><p class="period">${escapeXml(scope)}</p>
<div class="cards">${card('clicks', String(clicks), 'clicks')}${card('attributed orders', String(orders), 'orders')}${card('conversion', percent(conversion), 'conversion')}</div>
${report.rows.length === 0 ? '<p>No clicks or attributed orders in this period.</p>' : ''}
${reportCurrencies(report)
  .map((c) => currencySection(report, c))
  .join('\n')}
<h2>All rows</h2>
${rowsTable(report)}
<footer>Orders are attributed orders placed in the period; sales are their commission base; refunded counts refunds and cancellations; commission is what is still owed or credited.</footer>
</body></html>
`;
}
