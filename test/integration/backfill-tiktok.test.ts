import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { TracknowError } from '../../src/errors.js';
import { backfillTikTok } from '../../src/services/backfill/backfill.js';
import { listEvents, replayEvents } from '../../src/services/ingest/events.js';
import { addMerchant, updateMerchant } from '../../src/services/records/merchants.js';
import { listSales } from '../../src/services/records/sales.js';
import { describeBackends } from '../helpers/db.js';
import { AFFILIATE_CSV, ORDERS_CSV, orderId, ordersWithBadRows, writeExport } from '../helpers/exports.js';
import { fixture } from '../helpers/fixtures.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { counts } from '../helpers/stores.js';
import { seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('backfill tiktok', (t) => {
  let world: World;
  const db = () => t().db;
  const sale = (merchantId: string, tail: number) =>
    db()
      .selectFrom('sales')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('external_order_id', '=', orderId(tail))
      .executeTakeFirst();
  const salesOf = (merchantId: string) =>
    db().selectFrom('sales').select(['external_order_id']).where('merchant_id', '=', merchantId).execute();
  const newMerchant = (name: string) => addMerchant(db(), { name, currency: 'USD' });
  const run = (merchantId: string, files: string[], dryRun = false) =>
    backfillTikTok(db(), { merchantId, files, dryRun, batchSize: 2 });

  beforeAll(async () => {
    world = await seedWorld(db());
  });

  it('completes an order a webhook announced without amounts: one sale, with amount and attribution', async () => {
    const listener = await listen(t().store);
    try {
      const body = fixture('tiktok/notification-order-status-change.json');
      const reply = await post(`${listener.url}/api/webhook/tiktok/${world.merchant.id}`, body, {
        authorization: tiktokSignature(body),
      });
      expect(reply.json().data).toMatchObject({ outcome: 'created', status: 'pending' });
    } finally {
      await listener.close();
    }
    expect(await sale(world.merchant.id, 752)).toMatchObject({ base_minor: null, influencer_id: null });

    const summary = await run(world.merchant.id, [ORDERS_CSV]);
    expect(summary).toMatchObject({
      rows: 7,
      orders: 5,
      created: 3,
      updated: 1,
      unchanged: 1,
      unattributed: 1,
      errors: [],
      dryRun: false,
    });
    const rows = await db().selectFrom('sales').select(['id']).where('external_order_id', '=', orderId(752)).execute();
    expect(rows).toHaveLength(1);
    expect(await sale(world.merchant.id, 752)).toMatchObject({
      status: 'pending',
      influencer_id: world.mia.id,
      attribution_method: 'track_message',
      attribution_value: 'ABC12345',
      currency: 'USD',
      base_minor: 3990n,
      commission_minor: 599n,
    });
  });

  it('gives the orders export fixture its outcomes', async () => {
    const m = world.merchant.id;
    expect(await sale(m, 753)).toMatchObject({
      status: 'pending',
      base_minor: 8125n,
      total_minor: 8785n,
      influencer_id: null,
      commission_minor: null,
    });
    expect(await sale(m, 754)).toMatchObject({ status: 'cancelled', order_status: 'cancelled' });
    expect(await sale(m, 755)).toMatchObject({
      status: 'pending',
      influencer_id: world.zed.id,
      attribution_value: 'ZX9Q77',
      base_minor: 119900n,
      commission_minor: 17985n,
    });
    expect(await sale(m, 756)).toBeUndefined();
    const inbox = await db()
      .selectFrom('webhook_events')
      .selectAll()
      .where('order_id', '=', orderId(753))
      .where('source', '=', 'backfill')
      .executeTakeFirstOrThrow();
    expect(inbox).toMatchObject({ status: 'processed', event_type: 'export.orders', attempts: 1 });
    // The order's parsed form, not the CSV text: its three lines, its amounts in minor units, the file's row.
    expect(inbox.body).not.toContain('Night Cream');
    const stored = JSON.parse(inbox.body) as {
      v: number;
      file: string;
      lines: number[];
      event: Record<string, unknown>;
    };
    expect(stored).toMatchObject({
      v: 1,
      lines: [expect.any(Number), expect.any(Number), expect.any(Number)],
      event: {
        status: 'paid',
        base: { minor: '8125', currency: 'USD' },
        total: { minor: '8785', currency: 'USD' },
      },
    });
    const file = await db()
      .selectFrom('backfill_files')
      .selectAll()
      .where('id', '=', stored.file)
      .executeTakeFirstOrThrow();
    expect(file).toMatchObject({
      merchant_id: world.merchant.id,
      platform: 'tiktok',
      name: ORDERS_CSV,
      sha256: createHash('sha256').update(readFileSync(ORDERS_CSV)).digest('hex'),
      size_bytes: BigInt(statSync(ORDERS_CSV).size),
      format: 'orders',
      rows: 7,
      orders: 5,
      rejected_rows: 0,
      completed_at: expect.any(Date),
    });
  });

  it('sends no "new sale" notification for history unless --notify; replays a backfilled order from its parsed form', async () => {
    const created = (merchantId: string) =>
      db()
        .selectFrom('notifications')
        .select('subject_id')
        .where('event', '=', 'sale.created')
        .where('subject_id', 'in', db().selectFrom('sales').select('id').where('merchant_id', '=', merchantId))
        .execute();
    const quiet = await newMerchant('History');
    expect(await run(quiet.id, [ORDERS_CSV])).toMatchObject({ created: 4, errors: [] });
    expect(await created(quiet.id)).toEqual([]);
    const loud = await newMerchant('History, announced');
    expect(await backfillTikTok(db(), { merchantId: loud.id, files: [ORDERS_CSV], notify: true })).toMatchObject({
      created: 4,
    });
    // 752 and 755 are attributed: their influencers hear of them.
    expect(await created(loud.id)).toHaveLength(2);

    const row = await db()
      .selectFrom('webhook_events')
      .select(['id'])
      .where('merchant_id', '=', quiet.id)
      .where('order_id', '=', orderId(755))
      .executeTakeFirstOrThrow();
    const before = await sale(quiet.id, 755);
    const [replayed] = await replayEvents(db(), [row.id]);
    expect(replayed).toMatchObject({ id: row.id, outcome: 'unchanged' });
    expect(replayed?.error).toBeUndefined();
    expect(await sale(quiet.id, 755)).toEqual(before);
    expect((await listEvents(db(), { merchantId: quiet.id, limit: 20 })).map((e) => e.event_type)).toContain(
      'export.orders',
    );
  });

  it('records a file once, however often it runs', async () => {
    const m = await newMerchant('Once');
    await run(m.id, [ORDERS_CSV, AFFILIATE_CSV]);
    await run(m.id, [ORDERS_CSV]);
    await run(m.id, [ORDERS_CSV], true);
    const files = await db()
      .selectFrom('backfill_files')
      .select(['name', 'rows', 'orders', 'format'])
      .where('merchant_id', '=', m.id)
      .orderBy('format', 'desc')
      .execute();
    expect(files).toEqual([
      { name: ORDERS_CSV, rows: 7, orders: 5, format: 'orders' },
      { name: AFFILIATE_CSV, rows: 2, orders: 1, format: 'affiliate' },
    ]);
  });

  it('then the affiliate export credits the creator on the affiliated lines only', async () => {
    const summary = await run(world.merchant.id, [AFFILIATE_CSV]);
    expect(summary).toMatchObject({
      rows: 2,
      orders: 1,
      created: 0,
      updated: 1,
      unchanged: 0,
      unattributed: 0,
      errors: [],
    });
    expect(await sale(world.merchant.id, 753)).toMatchObject({
      influencer_id: world.mia.id,
      attribution_method: 'creator_username',
      attribution_value: 'glowwithmia',
      base_minor: 6250n,
      base_scope: 'attributed_lines',
      // A 15% deal is 9.38, and TikTok already pays the creator 3.30 + 6.08 = 9.38: under the default top-up tracknow owes 0.00.
      platform_commission_minor: 938n,
      tiktok_affiliate: 'top-up',
      commission_minor: 0n,
    });
  });

  it('changes nothing when the same files run again', async () => {
    const before = await counts(db());
    const summary = await run(world.merchant.id, [ORDERS_CSV, AFFILIATE_CSV]);
    expect(summary).toMatchObject({ rows: 9, orders: 6, created: 0, updated: 0, unchanged: 6, errors: [] });
    expect(await counts(db())).toEqual(before);
  });

  it('ends in the same state with the affiliate export first, or both files in one run', async () => {
    for (const files of [
      [AFFILIATE_CSV, ORDERS_CSV],
      [ORDERS_CSV, AFFILIATE_CSV],
    ]) {
      const m = await newMerchant(`Order ${files.length}-${files[0]!.slice(-20)}`);
      const summary = await run(m.id, files);
      expect(summary).toMatchObject({ rows: 9, orders: 6, created: 4, unchanged: 1, errors: [] });
      expect(await sale(m.id, 753)).toMatchObject({
        influencer_id: world.mia.id,
        attribution_method: 'creator_username',
        base_minor: 6250n,
        platform_commission_minor: 938n,
        commission_minor: 0n,
      });
      expect(await sale(m.id, 755)).toMatchObject({ base_minor: 119900n, commission_minor: 17985n });
    }
  });

  it('owes what the merchant chose when TikTok pays the creator itself; a sale keeps the setting it was created with', async () => {
    for (const [mode, owed] of [
      ['on-top', '9.38'],
      ['none', '0.00'],
      ['top-up', '0.00'],
    ] as const) {
      const m = await addMerchant(db(), { name: `Affiliate ${mode}`, currency: 'USD', tiktokAffiliate: mode });
      expect(await run(m.id, [AFFILIATE_CSV])).toMatchObject({ created: 1, errors: [] });
      expect(await sale(m.id, 753)).toMatchObject({
        tiktok_affiliate: mode,
        platform_commission_minor: 938n,
        base_minor: 6250n,
      });
      expect(await listSales(db(), { merchantId: m.id })).toMatchObject([
        { commission: owed, platform_commission: '9.38', currency: 'USD' },
      ]);
      // A later change of the setting affects later sales only: the order's next delivery keeps its terms.
      await updateMerchant(db(), m.id, { tiktokAffiliate: mode === 'on-top' ? 'none' : 'on-top' });
      await run(m.id, [ORDERS_CSV]);
      expect(await listSales(db(), { merchantId: m.id, limit: 10 })).toContainEqual(
        expect.objectContaining({ order_id: orderId(753), commission: owed }),
      );
      expect(await sale(m.id, 753)).toMatchObject({ tiktok_affiliate: mode });
    }
    const orders = await listSales(db(), { merchantId: world.merchant.id });
    expect(orders.find((o) => o.order_id === orderId(755))).toMatchObject({
      commission: '179.85',
      platform_commission: null,
    });
  });

  it('refuses an unknown --tiktok-affiliate setting', async () => {
    await expect(addMerchant(db(), { name: 'Bad setting', tiktokAffiliate: 'double' })).rejects.toThrow(
      /top-up, none, on-top/,
    );
  });

  it('--dry-run reports exactly what a run would do, and writes nothing', async () => {
    const m = await newMerchant('Dry');
    const before = await counts(db());
    const dry = await run(m.id, [ORDERS_CSV, AFFILIATE_CSV], true);
    expect(await counts(db())).toEqual(before);
    expect(await salesOf(m.id)).toEqual([]);
    const real = await run(m.id, [ORDERS_CSV, AFFILIATE_CSV]);
    expect({ ...dry, dryRun: false }).toEqual(real);
    expect(real).toMatchObject({ created: 4, updated: 1, unchanged: 1, unattributed: 0 });
  });

  it('reports bad rows with file and line, and imports the rest', async () => {
    const m = await newMerchant('Bad rows');
    const { path, bad } = ordersWithBadRows();
    const summary = await run(m.id, [path]);
    expect(summary.errors.map((e) => ({ file: e.file, line: e.line }))).toEqual(
      bad.map((b) => ({ file: path, line: b.line })),
    );
    for (const [i, b] of bad.entries()) expect(summary.errors[i]!.message).toMatch(b.message);
    expect(summary).toMatchObject({ rows: 11, orders: 6, created: 5 });
    expect(await sale(m.id, 803)).toMatchObject({ base_minor: 3990n, commission_minor: 599n });
    expect(await sale(m.id, 801)).toBeUndefined();
  });

  it('stores a buyer message with a backslash, a tab, quotes and a line break exactly (the COPY escapes)', async () => {
    const m = await newMerchant('Odd characters');
    const row = readFileSync(ORDERS_CSV, 'utf8')
      .split('\r\n')
      .find((l) => l.startsWith('576461413038785752'))!;
    const header = readFileSync(ORDERS_CSV, 'utf8').split('\r\n')[0]!;
    const message = 'C:\\gifts\\new\ttab "quoted"\nsecond line \\t TRACK:ABC12345';
    const cell = `"${message.replaceAll('"', '""')}"`;
    const odd = row
      .replaceAll('576461413038785752', '576461413038785804')
      .replace('please gift wrap TRACK:ABC12345 thanks', cell);
    const path = writeExport('odd-characters.csv', `${header}\r\n${odd}\r\n`);
    expect(await run(m.id, [path])).toMatchObject({ created: 1, errors: [] });
    const stored = await db()
      .selectFrom('webhook_events')
      .select(['body'])
      .where('merchant_id', '=', m.id)
      .executeTakeFirstOrThrow();
    const body = JSON.parse(stored.body) as { event: { hints: { value: string }[] } };
    expect(body.event.hints).toEqual([{ method: 'track_message', value: message }]);
    expect(await sale(m.id, 804)).toMatchObject({ attribution_method: 'track_message', attribution_value: 'ABC12345' });
  });

  it('refuses a file that is not a TikTok export before writing anything, whatever its position', async () => {
    const m = await newMerchant('Unknown header');
    const other = writeExport('payouts.csv', 'Date,Amount,Reference\r\n2026-10-01,10.00,X\r\n');
    const before = await counts(db());
    const err = await run(m.id, [ORDERS_CSV, other]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TracknowError);
    expect(err).toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('payouts.csv: not a TikTok export'),
    });
    expect(await counts(db())).toEqual(before);
  });

  it('names an unknown merchant and a missing file', async () => {
    await expect(run('00000000-0000-4000-8000-000000000000', [ORDERS_CSV])).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('no merchant'),
    });
    await expect(run(world.merchant.id, ['/nonexistent/orders.csv'])).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('/nonexistent/orders.csv'),
    });
  });
});
