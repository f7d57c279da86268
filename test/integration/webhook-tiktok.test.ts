import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../helpers/db.js';
import { fixture } from '../helpers/fixtures.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('TikTok webhooks through the listener', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  let url: string;
  const counts = async () => {
    const [sales, events, ledger] = await Promise.all([
      t()
        .db.selectFrom('sales')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
      t()
        .db.selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
      t()
        .db.selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { sales: Number(sales.n), events: Number(events.n), ledger: Number(ledger.n) };
  };
  const send = (body: Buffer | string, signature = tiktokSignature(body), merchantId = world.merchant.id) =>
    post(`${url}/api/webhook/tiktok/${merchantId}`, body, { authorization: signature });

  beforeAll(async () => {
    world = await seedWorld(t().db);
    listener = await listen(t().store);
    url = listener.url;
  });
  afterAll(async () => listener.close());

  it("answers the seed's quick test with commission 18.83", async () => {
    const reply = await send(fixture('tiktok/seed-order-status-change.json'));
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/"commission":18\.83[,}]/);
    expect(reply.json()).toMatchObject({ code: 0, message: 'success', data: { commission: 18.83, currency: 'USD' } });
    const sale = await t()
      .db.selectFrom('sales')
      .selectAll()
      .where('id', '=', reply.json().data.sale_id)
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({
      status: 'pending',
      base_minor: 12550n,
      commission_minor: 1883n,
      currency: 'USD',
      influencer_id: world.mia.id,
      attribution_method: 'creator_id',
    });
    const note = await t().db.selectFrom('notifications').selectAll().where('subject_id', '=', sale.id).execute();
    expect(note.map((n) => n.event)).toEqual(['sale.created']);
  });

  it('treats a redelivery as a duplicate and changes nothing', async () => {
    const before = await counts();
    const reply = await send(fixture('tiktok/seed-order-status-change.json'));
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ code: 0, data: { outcome: 'duplicate' } });
    expect(await counts()).toEqual(before);
  });

  it('rejects bad signatures, unknown merchants, malformed and oversized bodies without writing', async () => {
    const before = await counts();
    const body = fixture('tiktok/enriched-promo-code.json');
    expect((await send(body, 'deadbeef')).status).toBe(401);
    expect((await send(body, '')).status).toBe(401);
    expect((await send(body, tiktokSignature(body, 'wrong-secret'))).status).toBe(401);
    expect((await send(body, tiktokSignature(body), '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await send(body, tiktokSignature(body), "1' or '1'='1")).status).toBe(404);
    expect((await send('{"type":', tiktokSignature('{"type":'))).status).toBe(400);
    expect((await send('[]', tiktokSignature('[]'))).status).toBe(400);
    const huge = Buffer.alloc(1024 * 1024 + 10, 0x20);
    expect((await send(huge, tiktokSignature(huge))).status).toBe(413);
    const otherShop = Buffer.from(body.toString('utf8').replace('7494049642642441621', '1111111111111111111'));
    expect((await send(otherShop, tiktokSignature(otherShop))).status).toBe(401);
    expect(await counts()).toEqual(before);
    expect(listener.logs.some((l) => JSON.stringify(l).includes('tts_secret'))).toBe(false);
  });

  it('attributes by promo code before UTM and TRACK (priority 2), case-insensitively', async () => {
    const reply = await send(fixture('tiktok/enriched-promo-code.json'));
    expect(reply.json()).toMatchObject({ message: 'success', data: { commission: 11.99, currency: 'EUR' } });
    const sale = await t()
      .db.selectFrom('sales')
      .selectAll()
      .where('id', '=', reply.json().data.sale_id)
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({
      attribution_method: 'promo_code',
      attribution_value: 'ABC12345',
      base_minor: 7990n,
      influencer_id: world.mia.id,
    });
  });

  it('records a notification without amounts, then a cancellation ends it, and a late paid event never revives it', async () => {
    const status = await send(fixture('tiktok/notification-order-status-change.json'));
    expect(status.status).toBe(200);
    expect(status.json().data).toMatchObject({ outcome: 'created', status: 'pending' });
    expect(status.json().data.commission).toBeUndefined();
    const cancel = await send(fixture('tiktok/notification-cancellation.json'));
    expect(cancel.json().data).toMatchObject({ outcome: 'cancelled', status: 'cancelled' });
    const sale = await t()
      .db.selectFrom('sales')
      .selectAll()
      .where('external_order_id', '=', '576461413038785752')
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({ status: 'cancelled', base_minor: null, commission_minor: null });
  });

  it('stores unknown event types and answers 200', async () => {
    const body = JSON.stringify({
      type: 99,
      tts_notification_id: 'unknown-type-1',
      shop_id: '7494049642642441621',
      timestamp: 1760000000,
      data: {},
    });
    const reply = await send(body);
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ code: 0, data: { outcome: 'ignored' } });
    const row = await t()
      .db.selectFrom('webhook_events')
      .selectAll()
      .where('dedupe_key', '=', 'unknown-type-1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'ignored', body });
  });
});
