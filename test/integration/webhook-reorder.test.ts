import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../helpers/db.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { seedWorld } from '../helpers/world.js';

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32;
}

interface Plan {
  orderId: string;
  attributed: boolean;
  cents: number;
  cancelled: boolean;
  bodies: string[];
}

/** Per order: a paid event (with or without a linked creator), a later status change, maybe a cancellation. */
function planOrders(count: number, random: () => number): Plan[] {
  return Array.from({ length: count }, (_, n) => {
    const orderId = `9900${String(n).padStart(6, '0')}`;
    const attributed = random() < 0.7;
    const cents = 100 + Math.floor(random() * 100_000);
    const cancelled = random() < 0.3;
    const t0 = 1_760_000_000 + n * 10;
    const paid = {
      type: 'ORDER_STATUS_CHANGE',
      timestamp: t0,
      data: {
        order_id: orderId,
        order_status: 111,
        create_time: t0,
        update_time: t0,
        payment: { total_amount: cents, currency: 'USD' },
        ...(attributed ? { creator_info: { creator_id: 'tiktok_creator_123' } } : {}),
      },
    };
    const shipped = {
      type: 1,
      tts_notification_id: `ship-${orderId}`,
      shop_id: '7494049642642441621',
      timestamp: t0 + 3,
      data: { order_id: orderId, order_status: 'IN_TRANSIT', update_time: t0 + 3 },
    };
    const cancel = {
      type: 11,
      tts_notification_id: `cancel-${orderId}`,
      shop_id: '7494049642642441621',
      timestamp: t0 + 5,
      data: { order_id: orderId, cancel_status: 'CANCELLATION_REQUEST_COMPLETE', update_time: t0 + 5 },
    };
    const bodies = [JSON.stringify(paid), JSON.stringify(shipped), ...(cancelled ? [JSON.stringify(cancel)] : [])];
    return { orderId, attributed, cents, cancelled, bodies };
  });
}

describeBackends('duplicated, shuffled, concurrent deliveries', (t) => {
  let listener: Awaited<ReturnType<typeof listen>>;
  let merchantId: string;
  let miaId: string;
  beforeAll(async () => {
    const world = await seedWorld(t().db);
    merchantId = world.merchant.id;
    miaId = world.mia.id;
    listener = await listen(t().store);
  });
  afterAll(async () => listener.close());

  it('ends with exactly one correct sale per order whatever the order and the repeats', async () => {
    const random = rng(20261125);
    const plans = planOrders(60, random);
    // Every delivery once, then 50% of them again, all shuffled.
    const unique = plans.flatMap((p) => p.bodies);
    const deliveries = [...unique, ...unique.filter(() => random() < 0.5)];
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const url = `${listener.url}/api/webhook/tiktok/${merchantId}`;
    const queue = [...deliveries];
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let body = queue.pop(); body !== undefined; body = queue.pop()) {
          statuses.push((await post(url, body, { authorization: tiktokSignature(body) })).status);
        }
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const sales = await t().db.selectFrom('sales').selectAll().where('merchant_id', '=', merchantId).execute();
    expect(sales.length).toBe(plans.length);
    const byOrder = new Map(sales.map((s) => [s.external_order_id, s]));
    for (const p of plans) {
      const sale = byOrder.get(p.orderId)!;
      const commission = p.attributed ? (BigInt(p.cents) * 150_000n + 500_000n) / 1_000_000n : null;
      expect({
        order: p.orderId,
        status: sale.status,
        influencer: sale.influencer_id,
        base: sale.base_minor,
        commission: sale.commission_minor,
      }).toEqual({
        order: p.orderId,
        status: p.cancelled ? 'cancelled' : 'pending',
        influencer: p.attributed ? miaId : null,
        base: BigInt(p.cents),
        commission,
      });
    }
    const events = await t()
      .db.selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('merchant_id', '=', merchantId)
      .executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(unique.length);
    // Every live attributed sale was announced once; a cancellation that arrived first means no announcement.
    const created = new Set(
      (await t().db.selectFrom('notifications').select('subject_id').where('event', '=', 'sale.created').execute()).map(
        (n) => n.subject_id,
      ),
    );
    for (const p of plans) {
      const id = byOrder.get(p.orderId)!.id;
      if (p.attributed && !p.cancelled) expect(created.has(id)).toBe(true);
      if (!p.attributed) expect(created.has(id)).toBe(false);
    }
    const ledger = await t().db.selectFrom('ledger_entries').selectAll().execute();
    expect(ledger).toEqual([]);
  });
});
