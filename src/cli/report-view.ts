import type { ChalkInstance } from 'chalk';
import { displayKey, isTimeGrouping } from '../domain/report.js';
import type { Report, ReportRowView } from '../services/report/report.js';
import { chartPoints, percent, period, reportCurrencies } from '../services/report/report-files/chart-data.js';
import { bar, sparkline } from './charts.js';
import { table } from './output.js';

const BAR_WIDTH = 24;
const SPARK_LIMIT = 60;

/** Right-aligns the cells of the given columns (the table pads on the right). */
function alignRight(rows: string[][], headers: string[], columns: readonly number[]): void {
  for (const i of columns) {
    const width = Math.max(headers[i]!.length, ...rows.map((r) => r[i]!.length));
    for (const r of rows) r[i] = r[i]!.padStart(width);
  }
}

/**
 * The terminal report: one line per key and currency with a bar of its sales (scaled within
 * its currency), and for time groupings a sparkline per currency underneath.
 */
export function renderReport(report: Report, c: ChalkInstance): string {
  if (report.rows.length === 0) return c.dim(`no clicks or attributed orders ${period(report)}`);
  const maxSales = new Map<string | null, number>();
  for (const r of report.rows) maxSales.set(r.currency, Math.max(maxSales.get(r.currency) ?? 0, Number(r.sales)));
  const headers = [report.by, 'cur', 'clicks', 'orders', 'conv', 'sales', 'commission', 'refunded', ''];
  const rows = report.rows.map((r: ReportRowView) => [
    displayKey(report.by, r.key, r.label),
    r.currency ?? '',
    String(r.clicks),
    String(r.orders),
    percent(r.conversion),
    r.sales,
    r.commission,
    r.refunded,
    bar(Number(r.sales), maxSales.get(r.currency) ?? 0, BAR_WIDTH),
  ]);
  alignRight(rows, headers, [2, 3, 4, 5, 6, 7]);
  const lines = [
    c.dim(`${report.rows.length} row(s) by ${report.by} ${period(report)}; bars: sales within each currency`),
    table(headers, rows, c),
  ];
  if (isTimeGrouping(report.by)) {
    for (const currency of reportCurrencies(report)) {
      const points = chartPoints(report, currency, SPARK_LIMIT);
      if (points.length < 2) continue;
      const span = `${points[0]!.key} … ${points[points.length - 1]!.key}`;
      lines.push(
        '',
        `${c.bold(`sales ${currency}`)}  ${c.cyan(sparkline(points.map((p) => p.sales)))}  ${c.dim(span)}`,
      );
      lines.push(`${c.bold('orders'.padEnd(currency.length + 6))}  ${c.cyan(sparkline(points.map((p) => p.orders)))}`);
    }
  }
  return lines.join('\n');
}
