import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMajor, parseMajor } from '../../src/domain/money.js';
import { launchChromium } from '../helpers/chromium.js';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { insertClicks, insertReportSales, seedReportWorld } from '../helpers/report-world.js';
import { insertInfluencer } from '../helpers/sales-builder.js';

const NOV = ['--from', '2026-11-01', '--to', '2026-12-01'];
/** TRACKNOW_UPDATE_DOCS=1 also writes the picture the README shows. */
const DOCS_PNG = fileURLToPath(new URL('../../docs/report.png', import.meta.url));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 300_000);
afterAll(async () => browser?.close());

for (const backend of BACKENDS) {
  // Each CLI run opens the store; on a busy 2-core machine a test's several runs outlast the default timeout.
  describe(`report on the CLI [${backend}]`, { timeout: 300_000 }, () => {
    let target: CliTarget;
    let world: Awaited<ReturnType<typeof seedReportWorld>>;
    const cli = (args: string[]) => target.run(args);

    beforeAll(async () => {
      target = await createCliTarget(backend);
      world = await target.store().then((store) => seedReportWorld(store.db));
    });
    afterAll(async () => target.cleanup());

    it('report --by influencer --json matches sales list --json', async () => {
      const r = await cli(['report', '--by', 'influencer', '--json']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const report = r.json();
      expect(Object.keys(report)).toEqual(['from', 'to', 'by', 'merchant_id', 'rows']);
      expect(Object.keys(report.rows[0])).toEqual([
        'key',
        'currency',
        'clicks',
        'orders',
        'conversion',
        'sales',
        'commission',
        'refunded',
        'label',
      ]);
      const sales = (await cli(['sales', 'list', '--json'])).json() as {
        merchant_id: string;
        influencer_id: string | null;
        currency: string | null;
        amount: string | null;
        commission: string | null;
        status: string;
      }[];
      const merchants = (await cli(['merchant', 'list', '--json'])).json() as { id: string; currency: string }[];
      expect(sales).toHaveLength(8);
      const expected = new Map<string, { orders: number; sales: bigint; commission: bigint }>();
      for (const s of sales.filter((x) => x.influencer_id !== null)) {
        // An amount not known yet counts as an order in its merchant's currency.
        const currency = s.currency ?? merchants.find((m) => m.id === s.merchant_id)!.currency;
        const e = expected.get(`${s.influencer_id}|${currency}`) ?? { orders: 0, sales: 0n, commission: 0n };
        e.orders += 1;
        e.sales += s.amount === null ? 0n : parseMajor(s.amount, currency);
        if (s.status === 'pending' || s.status === 'validated')
          e.commission += s.commission === null ? 0n : parseMajor(s.commission, currency);
        expected.set(`${s.influencer_id}|${currency}`, e);
      }
      const got = new Map(
        report.rows.map((x: { key: string; currency: string; orders: number; sales: string; commission: string }) => [
          `${x.key}|${x.currency}`,
          x,
        ]),
      );
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [k, e] of expected) {
        const currency = k.split('|')[1]!;
        expect(got.get(k)).toMatchObject({
          orders: e.orders,
          sales: formatMajor(e.sales, currency),
          commission: formatMajor(e.commission, currency),
        });
      }
    });

    it('exits 2 on bad flag values and 1 on an unknown merchant or an unwritable file, with one error line and nothing on stdout', async () => {
      const cases: [string[], number, RegExp][] = [
        [['--by', 'year'], 2, /'--by <grouping>' argument 'year' is invalid\. must be one of day, week, month/],
        [['--from', 'yesterday'], 2, /'--from <iso8601>' argument 'yesterday' is invalid\. must be an ISO 8601 date/],
        [['--to', '2026-02-30'], 2, /'--to <iso8601>' argument '2026-02-30' is invalid/],
        [['--from', '2026-12-01', '--to', '2026-11-01'], 2, /after --to/],
        [['--format', 'pdf'], 2, /must be one of table, csv, html/],
        [['--format', 'html', '--json'], 2, /add --out FILE/],
        [['--merchant', 'glow'], 2, /must be an id/],
        [['--merchant', '00000000-0000-4000-8000-000000000000'], 1, /no merchant/],
        [['--format', 'csv', '--out', join(target.home, 'no', 'such', 'dir', 'r.csv')], 1, /cannot write/],
      ];
      for (const [args, code, message] of cases) {
        const r = await cli(['report', ...args, '--json']);
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
        // One error line (commander adds a hint to run --help after a bad flag value).
        const [first, ...rest] = r.stderr.trim().split('\n');
        expect(first).toMatch(/^error: /);
        expect(first).toMatch(message);
        expect(rest.filter((l) => !/run with --help/.test(l))).toEqual([]);
      }
    });

    it('prints a table with bars and sparklines, and RFC 4180 CSV', async () => {
      const table = await cli(['report', ...NOV, '--by', 'day']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^2026-11-03\s+USD\s+5\s+1\s+40\.00%\s+200\.00\s+30\.00\s+0\.00\s+█{24}$/m);
      expect(table.stdout).toMatch(/^sales EUR {2}[▁-█]{9} {2}2026-11-02 … 2026-11-10$/m);
      const csv = await cli(['report', ...NOV, '--by', 'code', '--format', 'csv']);
      expect(csv.stdout.split('\r\n')[0]).toBe('key,label,currency,clicks,orders,conversion,sales,commission,refunded');
      expect(parse(csv.stdout, { columns: true })).toEqual([
        {
          key: 'ANN10',
          label: '',
          currency: 'EUR',
          clicks: '6',
          orders: '3',
          conversion: '0.5',
          sales: '230.00',
          commission: '21.00',
          refunded: '90.00',
        },
        {
          key: '',
          label: '',
          currency: 'EUR',
          clicks: '0',
          orders: '1',
          conversion: '',
          sales: '40.00',
          commission: '0.00',
          refunded: '40.00',
        },
        {
          key: 'BOB',
          label: '',
          currency: 'USD',
          clicks: '5',
          orders: '2',
          conversion: '0.4',
          sales: '200.00',
          commission: '30.00',
          refunded: '0.00',
        },
      ]);
      const out = join(target.home, 'nov.csv');
      const written = await cli(['report', ...NOV, '--by', 'code', '--format', 'csv', '--out', out, '--json']);
      expect(written.json().rows).toHaveLength(3);
      expect(await readFile(out, 'utf8')).toBe(csv.stdout);
    });

    it('writes an HTML page that shows the numbers and draws its charts in headless Chromium', async () => {
      const file = join(target.home, 'report.html');
      const r = await cli(['report', ...NOV, '--by', 'influencer', '--format', 'html', '--out', file]);
      expect({ code: r.code, stdout: r.stdout.trim() }).toEqual({ code: 0, stdout: `wrote ${file} (html, 3 row(s))` });
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      try {
        await page.goto(pathToFileURL(file).href);
        const cells = await page.$$eval('#rows tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
        );
        expect(cells).toEqual([
          [`Ann Lee (${world.ann.slice(0, 8)})`, 'EUR', '6', '3', '50.00%', '230.00', '21.00', '90.00'],
          [`Bob <b>Ray</b> (${world.bob.slice(0, 8)})`, 'EUR', '5', '1', '60.00%', '40.00', '0.00', '40.00'],
          [`Bob <b>Ray</b> (${world.bob.slice(0, 8)})`, 'USD', '5', '2', '60.00%', '200.00', '30.00', '0.00'],
        ]);
        const totals = await page.$$eval('[data-total]', (cards) =>
          Object.fromEntries(cards.map((c) => [c.getAttribute('data-total'), c.querySelector('b')?.textContent])),
        );
        expect(totals).toMatchObject({
          clicks: '11',
          orders: '6',
          conversion: '54.55%',
          'sales-EUR': '270.00',
          'commission-EUR': '21.00',
          'refunded-EUR': '130.00',
          'sales-USD': '200.00',
        });
        // Drawn: every bar has a laid-out box, proportional to its amount.
        const bars = await page.$$eval('svg.chart[data-metric="sales"][data-currency="EUR"] rect.bar', (rects) =>
          rects.map((rect) => ({
            key: rect.getAttribute('data-key'),
            value: rect.getAttribute('data-value'),
            width: rect.getBoundingClientRect().width,
            height: rect.getBoundingClientRect().height,
          })),
        );
        expect(bars.map((b) => [b.key, b.value])).toEqual([
          [world.ann, '230.00 EUR'],
          [world.bob, '40.00 EUR'],
        ]);
        expect(bars.every((b) => b.height > 5)).toBe(true);
        expect(bars[0]!.width / bars[1]!.width).toBeCloseTo(230 / 40, 1);
        expect(await page.locator('svg.chart').count()).toBe(4);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('draws a month by day with quiet days as empty columns, and renders the picture', async () => {
      await target.store().then(async (store) => {
        const people = [
          world.ann,
          world.bob,
          await insertInfluencer(store.db, { name: 'Cleo Park' }),
          await insertInfluencer(store.db, { name: 'Dev Shah' }),
        ];
        await store.db
          .insertInto('tracking_codes')
          .values({ code: 'CLEO', influencer_id: people[2]!, merchant_id: null })
          .execute();
        const sales = [];
        for (let day = 1; day <= 30; day++) {
          const n = day % 7 === 0 || day === 20 ? 0 : 2 + ((day * 5) % 9);
          await insertClicks(store.db, 'CLEO', `2026-11-${String(day).padStart(2, '0')}T12:00:00Z`, n * 12);
          for (let i = 0; i < n; i++) {
            const base = BigInt(2500 + ((day * 7919 + i * 104729) % 15000));
            sales.push({
              merchantId: world.eur,
              influencerId: people[(day + i) % 4]!,
              currency: 'EUR',
              orderedAt: `2026-11-${String(day).padStart(2, '0')}T${String(8 + i).padStart(2, '0')}:00:00Z`,
              base,
              commission: (base * 15n) / 100n,
              status: 'validated' as const,
            });
          }
        }
        await insertReportSales(store.db, sales);
      });
      const file = join(target.home, 'days.html');
      expect((await cli(['report', ...NOV, '--by', 'day', '--format', 'html', '--out', file])).code).toBe(0);
      const json = (await cli(['report', ...NOV, '--by', 'day', '--json'])).json() as {
        rows: { key: string; currency: string; sales: string }[];
      };
      const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
      try {
        await page.goto(pathToFileURL(file).href);
        const columns = await page.$$eval('svg.chart[data-metric="sales"][data-currency="EUR"] rect.bar', (rects) =>
          rects.map((r) => ({
            key: r.getAttribute('data-key'),
            value: r.getAttribute('data-value'),
            height: r.getBoundingClientRect().height,
          })),
        );
        expect(columns).toHaveLength(30);
        expect(columns.map((c) => c.key)).toEqual(
          Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
        );
        const eur = new Map(json.rows.filter((x) => x.currency === 'EUR').map((x) => [x.key, x.sales]));
        for (const c of columns) {
          expect(c.value).toBe(`${eur.get(c.key!) ?? '0'} EUR`);
          expect(c.height > 0).toBe(eur.has(c.key!));
        }
        const png = join(target.home, 'report.png');
        await page.screenshot({ path: png });
        expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');
        if (backend === 'pglite' && process.env.TRACKNOW_UPDATE_DOCS === '1') {
          await mkdir(dirname(DOCS_PNG), { recursive: true });
          await copyFile(png, DOCS_PNG);
        }
      } finally {
        await page.close();
      }
    });
  });
}
