import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/domain/notify-email.js';
import { formatMajorForPeople, formatMoney } from '../../src/domain/notify-money.js';
import { webhookBody, webhookData } from '../../src/domain/notify-render.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { planAfterFailure, PermanentJobError, RetryLaterError } from '../../src/domain/jobs.js';
import { checkReceiverUrl, classifyHttpStatus } from '../../src/domain/notify.js';
import { DELIVERY_MAX_ATTEMPTS, notificationIds, oneAtATime } from '../../src/services/notify/notify-jobs.js';
import { newEndpointSecret } from '../../src/services/notify/notify-endpoints.js';

const HOUR = 3_600_000;

describe('HTTP answers', () => {
  it('delivers on 2xx, fails on 4xx but 408 and 429, retries the rest', () => {
    for (const s of [200, 201, 204, 299]) expect(classifyHttpStatus(s).kind).toBe('delivered');
    for (const s of [400, 401, 403, 404, 410, 413, 422])
      expect(classifyHttpStatus(s)).toEqual({ kind: 'fail', error: `HTTP ${s}` });
    for (const s of [408, 429, 500, 502, 503, 504, 301, 302, 101])
      expect(classifyHttpStatus(s)).toEqual({ kind: 'retry', error: `HTTP ${s}` });
  });
});

describe('backoff (the one policy of every job)', () => {
  it('doubles from 30 s, caps at 4 h, and jitters by ±25 %; a retry-after hint only lengthens it', () => {
    expect(backoffMs(1, () => 0.5)).toBe(30_000);
    expect(backoffMs(2, () => 0.5)).toBe(60_000);
    expect(backoffMs(5, () => 0.5)).toBe(480_000);
    expect(backoffMs(30, () => 0.5)).toBe(4 * HOUR);
    expect(backoffMs(1, () => 0)).toBe(22_500);
    expect(backoffMs(1, () => 0.999999)).toBeLessThanOrEqual(37_500);
    expect(backoffMs(1, () => 0.5, undefined, 90_000)).toBe(90_000);
    expect(backoffMs(1, () => 0.5, undefined, 1_000)).toBe(30_000);
  });

  it('gives a delivery about 24 h of attempts, then fails with how many it made', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    let now = start;
    let attempts = 0;
    for (;;) {
      attempts++;
      const plan = planAfterFailure({
        error: new Error('HTTP 503'),
        attempts,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        now,
        random: () => 0.5,
      });
      if (plan.status !== 'pending') {
        expect(plan).toEqual({ status: 'failed', error: `HTTP 503 (gave up after ${attempts} attempts)` });
        break;
      }
      now = plan.runAt;
    }
    expect(attempts).toBe(DELIVERY_MAX_ATTEMPTS);
    expect(now.getTime() - start.getTime()).toBeGreaterThan(20 * HOUR);
    expect(now.getTime() - start.getTime()).toBeLessThanOrEqual(26 * HOUR);
  });

  it('fails a permanent error at once, and waits out a retry-after', () => {
    const base = { attempts: 1, maxAttempts: 5, now: new Date('2026-01-01T00:00:00Z'), random: () => 0.5 };
    expect(planAfterFailure({ ...base, error: new PermanentJobError('HTTP 410') })).toEqual({
      status: 'failed',
      error: 'HTTP 410',
    });
    expect(planAfterFailure({ ...base, error: new RetryLaterError('HTTP 429', 120_000) })).toEqual({
      status: 'pending',
      runAt: new Date('2026-01-01T00:02:00Z'),
      error: 'HTTP 429',
    });
  });
});

describe('receiver URLs', () => {
  it('accepts http and https only', () => {
    expect(checkReceiverUrl('https://hooks.example.com/tracknow')).toEqual({
      ok: true,
      url: 'https://hooks.example.com/tracknow',
    });
    expect(checkReceiverUrl('http://127.0.0.1:8080')).toEqual({ ok: true, url: 'http://127.0.0.1:8080/' });
    for (const bad of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'example.com/hook', ''])
      expect(checkReceiverUrl(bad).ok).toBe(false);
  });
});

describe('money for people', () => {
  it('formats from exact minor units with ISO digits', () => {
    expect(formatMoney(1883n, 'EUR')).toBe('€18.83');
    expect(formatMoney(1883n, 'JPY')).toBe('¥1,883');
    expect(formatMoney(12550n, 'USD')).toBe('$125.50');
    expect(formatMoney(1234567n, 'KWD')).toBe('KWD\u00a01,234.567');
    expect(formatMoney(-50n, 'EUR')).toBe('-€0.50');
    expect(formatMoney(900719925474099312n, 'USD')).toBe('$9,007,199,254,740,993.12'); // beyond a double's precision
    expect(formatMoney(150n, 'HUF')).toBe('HUF\u00a01.50'); // ISO says 2 digits where Intl says 0
  });

  it('formats exact decimal strings and refuses what is not one', () => {
    expect(formatMajorForPeople('18.83', 'EUR')).toBe('€18.83');
    expect(formatMajorForPeople('1883', 'JPY')).toBe('¥1,883');
    expect(formatMajorForPeople(18.83, 'EUR')).toBeUndefined();
    expect(formatMajorForPeople('18.83', 'XXX')).toBeUndefined();
  });
});

const sale = {
  id: '7b1c6a53-0000-4000-8000-000000000001',
  event: 'sale.created',
  influencerId: 'inf-1',
  createdAt: new Date('2026-10-01T12:00:00Z'),
  payload: {
    sale_id: 's-1',
    merchant_id: 'm-1',
    platform: 'tiktok',
    order_id: '5762',
    status: 'pending',
    attribution: 'promo_code',
    currency: 'EUR',
    amount_minor: '12550',
    commission_minor: '1883',
    event_time: '2026-10-01T11:59:00Z',
  },
};

describe('webhook messages', () => {
  it('turn minor units into exact decimal strings and add the merchant name', () => {
    expect(webhookData(sale, { merchantName: 'Glow' })).toEqual({
      sale_id: 's-1',
      merchant_id: 'm-1',
      merchant_name: 'Glow',
      platform: 'tiktok',
      order_id: '5762',
      status: 'pending',
      attribution: 'promo_code',
      currency: 'EUR',
      amount: '125.50',
      commission: '18.83',
      event_time: '2026-10-01T11:59:00Z',
      influencer_id: 'inf-1',
    });
    expect(
      webhookData({ ...sale, payload: { ...sale.payload, amount_minor: null, commission_minor: null } }),
    ).toMatchObject({ amount: null, commission: null });
  });

  it('are Standard Webhooks envelopes a receiver can verify', () => {
    const secret = newEndpointSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = webhookBody(sale);
    const at = new Date();
    const headers = {
      'webhook-id': sale.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(sale.id, at, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({
      type: 'sale.created',
      timestamp: '2026-10-01T12:00:00.000Z',
      data: { commission: '18.83' },
    });
  });
});

describe('emails', () => {
  it('say what happened, with money for people, in text and escaped HTML', () => {
    const mail = renderEmail(sale, { merchantName: 'Glow <Cosmetics>', influencerName: 'Mia' });
    expect(mail.subject).toBe('New sale: €18.83 commission');
    expect(mail.text).toContain('Hi Mia,');
    expect(mail.text).toMatch(/Amount:\s+€125\.50/);
    expect(mail.text).toMatch(/Merchant:\s+Glow <Cosmetics>/);
    expect(mail.text).toMatch(/Attributed by:\s+promo code/);
    expect(mail.html).toContain('Glow &#60;Cosmetics&#62;');
    expect(mail.html).not.toContain('<Cosmetics>');
  });

  it('cover validations and payouts', () => {
    const validated = renderEmail({
      ...sale,
      event: 'sale.validated',
      payload: {
        sales: 3,
        credited: [{ currency: 'JPY', amount: '1883', sales: 3 }],
        available: [
          { currency: 'JPY', amount: '5000' },
          { currency: 'EUR', amount: '18.83' },
        ],
      },
    });
    expect(validated.subject).toBe('Commission credited: ¥1,883');
    expect(validated.text).toMatch(/Available balance:\s+¥5,000, €18\.83/);
    const payout = renderEmail({
      ...sale,
      event: 'payout.created',
      payload: { payout_id: 'p-1', currency: 'EUR', amount: '50.00', method: 'sepa', reference: 'TN-ABC' },
    });
    expect(payout.subject).toBe('Payout on its way: €50.00');
    expect(payout.text).toMatch(/Method:\s+SEPA transfer/);
    expect(payout.text).toMatch(/Reference:\s+TN-ABC/);
  });
});

describe('fan-out jobs', () => {
  it('run one at a time: a call starts after the previous one settles, a failure does not block the next', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const serial = oneAtATime(async (name: string, fail: boolean) => {
      running++;
      most = Math.max(most, running);
      order.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([serial('a', false), serial('b', true), serial('c', false)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(most).toBe(1);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it("carry a statement's outbox rows (notification_ids) or, queued before 0015, one (notification_id)", () => {
    expect(notificationIds({ notification_ids: ['n1', 'n2'] })).toEqual(['n1', 'n2']);
    expect(notificationIds({ notification_id: 'n1' })).toEqual(['n1']);
    for (const bad of [{}, null, { notification_ids: [] }, { notification_ids: 'n1' }, { notification_ids: ['n1', 2] }])
      expect(() => notificationIds(bad)).toThrow(PermanentJobError);
  });
});
