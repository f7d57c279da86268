import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getPlatform, type MerchantSecrets } from '../../src/platforms/platform.js';
import { findTemplate, getTestEvents, type Fill } from '../../src/platforms/test-events.js';
import { addCode } from '../../src/services/records/codes.js';
import { listEvents, replayEvents } from '../../src/services/ingest/events.js';
import { validate } from '../../src/services/payouts/validate.js';
import { ingestBatch } from '../../src/services/ingest/ingest.js';
import { findMerchantSecrets, intake } from '../../src/services/ingest/webhook-intake.js';
import type { Database } from '../../src/store/schema.js';
import { createCliTarget, describeBackends, type CliTarget } from '../helpers/db.js';
import { request } from '../helpers/fixtures.js';
import { seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

/** Delivers one Shopify test event the way the listener would; returns its inbox id and order. */
async function deliver(db: Kysely<Database>, merchant: MerchantSecrets, event: string, fill: Partial<Fill> = {}) {
  const kit = getTestEvents('shopify');
  const full: Fill = { orderId: kit.randomOrderId(), deliveryId: kit.randomDeliveryId(), now: new Date(), ...fill };
  const body = Buffer.from(JSON.stringify(kit.build(findTemplate(kit, event), full, merchant)));
  const headers = { ...kit.headers(event, full, merchant), ...getPlatform('shopify').sign(body, merchant) };
  const taken = intake('shopify', merchant, request(body, headers, full.now));
  if (taken.kind !== 'item') throw new Error('ping');
  const [outcome] = await ingestBatch(db, [taken.item]);
  return { id: outcome!.eventId, orderId: full.orderId, outcome: outcome! };
}

const saleOf = (db: Kysely<Database>, orderId: string) =>
  db.selectFrom('sales').selectAll().where('external_order_id', '=', orderId).executeTakeFirstOrThrow();
const count = async (db: Kysely<Database>, table: 'sales' | 'notifications' | 'webhook_events') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describeBackends('events list and replay', (t) => {
  let world: World;
  let merchant: MerchantSecrets;
  beforeAll(async () => {
    world = await seedWorld(t().db);
    merchant = await findMerchantSecrets(t().db, world.merchant.id);
  });

  it('lists the inbox newest first, filtered, in the contract shape', async () => {
    const a = await deliver(t().db, merchant, 'orders/create', { now: new Date(Date.now() - 60_000) });
    const b = await deliver(t().db, merchant, 'orders/paid', { orderId: a.orderId });
    const rows = await listEvents(t().db, {
      platform: 'shopify',
      merchantId: world.merchant.id,
      status: 'processed',
      limit: 2,
    });
    expect(rows.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(rows[0]).toMatchObject({
      platform: 'shopify',
      merchant_id: world.merchant.id,
      order_id: a.orderId,
      status: 'processed',
      attempts: 1,
      last_error: null,
      event_type: 'orders/paid',
    });
    expect(rows[0]!.received_at).toBeInstanceOf(Date);
    expect(await listEvents(t().db, { platform: 'tiktok' })).toEqual([]);
    await expect(listEvents(t().db, { status: 'done' })).rejects.toMatchObject({ code: 'usage' });
    await expect(listEvents(t().db, { merchantId: 'nope' })).rejects.toMatchObject({ code: 'usage' });
  });

  it('replays a processed event without changing its sale, as a new inbox row', async () => {
    const a = await deliver(t().db, merchant, 'orders/create', { code: 'ABC12345' });
    const before = {
      sale: await saleOf(t().db, a.orderId),
      notes: await count(t().db, 'notifications'),
      sales: await count(t().db, 'sales'),
    };
    const [r1] = await replayEvents(t().db, [a.id]);
    const [r2] = await replayEvents(t().db, [a.id]);
    expect(r1).toMatchObject({ id: a.id, outcome: 'unchanged', sale: { id: before.sale.id, status: 'pending' } });
    expect(r2!.replayId).not.toBe(r1!.replayId);
    expect(await saleOf(t().db, a.orderId)).toEqual(before.sale);
    expect({ notes: await count(t().db, 'notifications'), sales: await count(t().db, 'sales') }).toEqual({
      notes: before.notes,
      sales: before.sales,
    });
    const keys = await t()
      .db.selectFrom('webhook_events')
      .select('dedupe_key')
      .where('id', 'in', [r1!.replayId!, r2!.replayId!])
      .execute();
    expect(keys.map((k) => k.dedupe_key).sort()).toEqual([`replay:${a.id}:1`, `replay:${a.id}:2`]);
  });

  it('never counts a processed partial refund twice', async () => {
    const order = await deliver(t().db, merchant, 'orders/create', { code: 'ABC12345', amount: '80.00' });
    const refund = await deliver(t().db, merchant, 'refunds/create', { orderId: order.orderId, amount: '20.00' });
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ refunded_minor: 2000n, commission_minor: 900n });
    await replayEvents(t().db, [refund.id, refund.id]);
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ refunded_minor: 2000n, commission_minor: 900n });
  });

  it('never claws back a refund twice after validation', async () => {
    const order = await deliver(t().db, merchant, 'orders/create', {
      code: 'ABC12345',
      amount: '80.00',
      now: new Date(Date.now() - 30 * 86_400_000),
    });
    await validate(t().db, { asOf: new Date() });
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ status: 'validated', commission_minor: 1200n });
    const refund = await deliver(t().db, merchant, 'refunds/create', { orderId: order.orderId, amount: '20.00' });
    const ledger = () =>
      t()
        .db.selectFrom('ledger_entries')
        .select(['kind', 'amount_minor'])
        .where('sale_id', '=', refund.outcome.sale!.id)
        .orderBy('kind')
        .execute();
    const before = await ledger();
    expect(before.map((e) => [e.kind, e.amount_minor])).toEqual([
      ['credit', 1200n],
      ['reversal', -300n],
    ]);
    await replayEvents(t().db, [refund.id, order.id]);
    expect(await ledger()).toEqual(before);
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ status: 'validated', refunded_minor: 2000n });
  });

  it('attributes a sale once its code exists, with one sale.created', async () => {
    const a = await deliver(t().db, merchant, 'orders/create', { code: 'LATECODE1' });
    expect(a.outcome.sale).toMatchObject({ influencerId: null });
    await addCode(t().db, { influencerId: world.zed.id, code: 'LATECODE1' });
    const [r] = await replayEvents(t().db, [a.id]);
    expect(r).toMatchObject({
      outcome: 'updated',
      sale: { influencerId: world.zed.id, attributionMethod: 'promo_code' },
    });
    const notes = await t()
      .db.selectFrom('notifications')
      .select('event')
      .where('subject_id', '=', r!.sale!.id)
      .execute();
    expect(notes.map((n) => n.event)).toEqual(['sale.created']);
  });

  it('applies a failed event once, and marks it processed', async () => {
    const order = await deliver(t().db, merchant, 'orders/create', { code: 'ABC12345', amount: '80.00' });
    // A refund stored but never applied, as a crashed worker would leave it.
    const kit = getTestEvents('shopify');
    const fill: Fill = { orderId: order.orderId, deliveryId: randomUUID(), now: new Date(), amount: '10.00' };
    const body = JSON.stringify(kit.build(findTemplate(kit, 'refunds/create'), fill, merchant));
    const id = randomUUID();
    await t()
      .db.insertInto('webhook_events')
      .values({
        id,
        platform: 'shopify',
        merchant_id: merchant.id,
        dedupe_key: fill.deliveryId,
        event_type: 'refunds/create',
        headers: JSON.stringify({ 'x-shopify-topic': 'refunds/create', 'x-shopify-webhook-id': fill.deliveryId }),
        body,
        status: 'failed',
        last_error: 'worker crashed',
      })
      .execute();
    const [first] = await replayEvents(t().db, [id]);
    expect(first).toMatchObject({ outcome: 'updated' });
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ refunded_minor: 1000n, commission_minor: 1050n });
    const [row] = await listEvents(t().db, { status: 'processed', limit: 500 }).then((rows) =>
      rows.filter((r) => r.id === id),
    );
    expect(row).toMatchObject({ status: 'processed', attempts: 1, last_error: null });
    await replayEvents(t().db, [id]);
    expect(await saleOf(t().db, order.orderId)).toMatchObject({ refunded_minor: 1000n });
  });

  it('reports unknown ids and still replays the others', async () => {
    const a = await deliver(t().db, merchant, 'orders/create');
    const results = await replayEvents(t().db, ['00000000-0000-4000-8000-000000000000', 'not-an-id', a.id]);
    expect(results.map((r) => r.error ?? r.outcome)).toEqual(['not_found', 'not_found', 'unchanged']);
  });
});

describeBackends('tracknow events (CLI)', (_t, backend) => {
  let target: CliTarget;
  let eventId: string;
  beforeAll(async () => {
    target = await createCliTarget(backend);
    const store = await target.store();
    const world = await seedWorld(store.db);
    eventId = (
      await deliver(store.db, await findMerchantSecrets(store.db, world.merchant.id), 'orders/create', {
        code: 'ABC12345',
      })
    ).id;
  });
  afterAll(async () => target?.cleanup());

  it('lists as JSON in the contract shape', async () => {
    const r = await target.run(['events', 'list', '--json', '--platform', 'shopify']);
    expect(r.code).toBe(0);
    const rows = r.json();
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual(
      ['attempts', 'id', 'last_error', 'merchant_id', 'order_id', 'platform', 'received_at', 'status'].sort(),
    );
    expect(rows[0]).toMatchObject({
      id: eventId,
      status: 'processed',
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await target.run(['events', 'list', '--status', 'nope'])).code).toBe(2);
  });

  it('replays idempotently, and exits 1 for an unknown id', async () => {
    const r = await target.run(['events', 'replay', eventId, '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual([
      expect.objectContaining({
        id: eventId,
        outcome: 'unchanged',
        sale_status: 'pending',
        commission: '18.83',
        currency: 'USD',
        error: null,
      }),
    ]);
    const bad = await target.run(['events', 'replay', '00000000-0000-4000-8000-000000000000', eventId]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/error\s+no stored event/);
    expect(bad.stderr).toMatch(/^error: 1 of 2 events could not be replayed/);
  });
});
