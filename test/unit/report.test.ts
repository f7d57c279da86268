import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { bar, sparkline } from '../../src/cli/charts.js';
import { renderReport } from '../../src/cli/report-view.js';
import { Chalk } from 'chalk';
import {
  assembleReport,
  bucketKeys,
  conversion,
  isoWeekKey,
  timeKey,
  type SalesGroup,
} from '../../src/domain/report.js';
import { chartPoints } from '../../src/services/report/report-files/chart-data.js';
import { buildReportCsv } from '../../src/services/report/report-files/report-csv.js';
import { buildReportHtml } from '../../src/services/report/report-files/report-html.js';
import type { Report } from '../../src/services/report/report.js';

const g = (
  key: string | null,
  currency: string,
  orders: number,
  sales: bigint,
  label: string | null = null,
): SalesGroup => ({
  key,
  label,
  currency,
  orders,
  salesMinor: sales,
  commissionMinor: sales / 10n,
  refundedMinor: 0n,
});

const plain = new Chalk({ level: 0 });

const report = (rows: Partial<Report['rows'][number]>[], by: Report['by'] = 'influencer'): Report => ({
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  by,
  merchant_id: null,
  rows: rows.map((r) => ({
    key: 'k',
    currency: 'EUR',
    clicks: 0,
    orders: 0,
    conversion: null,
    sales: '0.00',
    commission: '0.00',
    refunded: '0.00',
    label: null,
    ...r,
  })),
});

describe('report rows', () => {
  it('adds up split groups, repeats a key’s clicks on each currency row and converts over all its orders', () => {
    const rows = assembleReport(
      'influencer',
      [g('a', 'EUR', 2, 1000n, 'Ann'), g('a', 'EUR', 1, 500n), g('a', 'USD', 1, 9000n), g('b', 'EUR', 1, 2000n)],
      [
        { key: 'a', label: null, clicks: 8 },
        { key: 'c', label: 'Cy', clicks: 3 },
        { key: null, label: null, clicks: 4 },
      ],
    );
    expect(rows.map((r) => [r.key, r.label, r.currency, r.clicks, r.orders, r.conversion, r.salesMinor])).toEqual([
      ['b', null, 'EUR', 0, 1, null, 2000n],
      ['a', 'Ann', 'EUR', 8, 3, 0.5, 1500n],
      ['a', 'Ann', 'USD', 8, 1, 0.5, 9000n],
      ['c', 'Cy', null, 3, 0, 0, 0n],
      [null, null, null, 4, 0, null, 0n],
    ]);
  });

  it('sorts time keys in order and rounds conversion to 4 decimals', () => {
    const rows = assembleReport(
      'day',
      [g('2026-11-03', 'EUR', 1, 1n), g('2026-11-01', 'USD', 1, 1n), g('2026-11-01', 'EUR', 1, 1n)],
      [],
    );
    expect(rows.map((r) => `${r.key} ${r.currency}`)).toEqual(['2026-11-01 EUR', '2026-11-01 USD', '2026-11-03 EUR']);
    expect([conversion(1, 3), conversion(2, 0), conversion(5, 2)]).toEqual([0.3333, null, 2.5]);
  });

  it('fills every day, ISO week and month between two keys', () => {
    expect(bucketKeys('day', '2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(bucketKeys('week', '2026-W52', '2027-W02')).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
    expect(bucketKeys('month', '2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(bucketKeys('day', '2026-01-01', '2026-12-31', 10)).toHaveLength(10);
    expect(bucketKeys('day', '2026-03-02', '2026-03-01')).toEqual([]);
    expect([
      isoWeekKey(new Date('2021-01-03T12:00:00Z')),
      isoWeekKey(new Date('2024-12-30T00:00:00Z')),
      timeKey('month', new Date('2026-11-30T23:59:59Z')),
    ]).toEqual(['2020-W53', '2025-W01', '2026-11']);
  });
});

describe('terminal charts', () => {
  it('draws bars in eighths, a sliver for any non-zero value, nothing for zero', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 10, 4)).toBe('▍');
    expect(bar(0.001, 10, 4)).toBe('▏');
    expect([bar(0, 10, 4), bar(3, 0, 4)]).toEqual(['', '']);
  });

  it('draws sparklines from the smallest to the largest value', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([5, 5])).toBe('▄▄');
  });

  it('renders a table with a bar per row, and a sparkline over every day of a time report', () => {
    const text = renderReport(
      report(
        [
          { key: '2026-11-01', sales: '10.00', orders: 1, clicks: 4, conversion: 0.25 },
          { key: '2026-11-04', sales: '20.00', orders: 2 },
        ],
        'day',
      ),
      plain,
    );
    expect(text).toMatch(/2026-11-01\s+EUR\s+4\s+1\s+25\.00%\s+10\.00\s+0\.00\s+0\.00\s+█{12}$/m);
    expect(text).toMatch(/2026-11-04 .* █{24}$/m);
    expect(text).toMatch(/sales EUR {2}▅▁▁█ {2}2026-11-01 … 2026-11-04/);
    expect(renderReport(report([]), plain)).toMatch(/no clicks or attributed orders from 2026-11-01/);
  });
});

describe('report files', () => {
  const hostile = report([
    {
      key: '6f1c0a52-0000-4000-8000-000000000001',
      label: '=HYPERLINK("http://x")',
      sales: '1.50',
      orders: 1,
      clicks: 2,
      conversion: 0.5,
    },
    {
      key: '-CODE',
      label: 'Bob <script>alert(1)</script> & "Co"',
      currency: 'JPY',
      sales: '1250',
      commission: '125',
      refunded: '0',
    },
    { key: null, currency: null, clicks: 3, sales: '0', commission: '0', refunded: '0' },
  ]);

  it('writes RFC 4180 CSV with CRLF, quoting and neutralised formulas', () => {
    const csv = buildReportCsv(hostile);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')[0]).toBe('key,label,currency,clicks,orders,conversion,sales,commission,refunded');
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toEqual({
      key: '6f1c0a52-0000-4000-8000-000000000001',
      label: `'=HYPERLINK("http://x")`,
      currency: 'EUR',
      clicks: '2',
      orders: '1',
      conversion: '0.5',
      sales: '1.50',
      commission: '0.00',
      refunded: '0.00',
    });
    expect(rows[1]).toMatchObject({
      key: "'-CODE",
      label: 'Bob <script>alert(1)</script> & "Co"',
      currency: 'JPY',
      sales: '1250',
    });
    expect(rows[2]).toMatchObject({ key: '', currency: '', conversion: '', clicks: '3' });
  });

  it('writes one self-contained page: escaped text, no script, nothing fetched, a chart per currency and metric', () => {
    const html = buildReportHtml(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Bob &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    // The only URLs are the SVG namespace (a name, not a fetch) and the label's text.
    expect(
      html.match(/https?:\/\/[^\s"'<>)&]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg' && u !== 'http://x'),
    ).toEqual([]);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b|@import|url\(/i);
    expect(html.match(/<svg class="chart"[^>]*data-metric="(sales|orders)" data-currency="(EUR|JPY)"/g)).toHaveLength(
      4,
    );
    expect(html).toMatch(/data-total="clicks"><b>5<\/b>/);
    expect(html).toMatch(/data-total="sales-JPY"><b>1250<\/b>/);
  });

  it('fills quiet days with zero bars in time charts, and keeps the largest keys otherwise', () => {
    const days = report(
      [
        { key: '2026-11-01', sales: '1.00' },
        { key: '2026-11-03', sales: '3.00' },
        { key: '2026-11-03', currency: 'USD', sales: '9.00' },
      ],
      'day',
    );
    expect(chartPoints(days, 'EUR', 100).map((p) => [p.key, p.sales])).toEqual([
      ['2026-11-01', 1],
      ['2026-11-02', 0],
      ['2026-11-03', 3],
    ]);
    expect(chartPoints(days, 'USD', 100).map((p) => p.key)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    const people = report([
      { key: 'a', sales: '3.00' },
      { key: 'b', sales: '2.00' },
      { key: 'c', sales: '1.00' },
    ]);
    expect(chartPoints(people, 'EUR', 2).map((p) => p.key)).toEqual(['a', 'b']);
  });
});
