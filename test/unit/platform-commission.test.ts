import { describe, expect, it } from 'vitest';
import { owedCommission, parseTikTokAffiliate } from '../../src/domain/platform-commission.js';
import { affiliateOrderDelivery } from '../../src/platforms/tiktok-shop/affiliate-order.js';

const paid = (
  platformMinor: bigint | null,
  mode: 'top-up' | 'none' | 'on-top',
  more: Partial<Parameters<typeof owedCommission>[1]> = {},
) => ({ platformMinor, mode, samePayee: true, baseMinor: 8000n, netMinor: 8000n, ...more }) as const;

describe('owedCommission', () => {
  it('top-up owes the deal less the platform, never below zero; none owes nothing; on-top the whole deal', () => {
    expect(owedCommission(1200n, paid(800n, 'top-up'))).toBe(400n);
    expect(owedCommission(700n, paid(800n, 'top-up'))).toBe(0n);
    expect(owedCommission(1200n, paid(800n, 'none'))).toBe(0n);
    expect(owedCommission(1200n, paid(800n, 'on-top'))).toBe(1200n);
  });

  it('owes the whole deal when the platform pays nothing or pays someone else', () => {
    for (const mode of ['top-up', 'none', 'on-top'] as const) {
      expect(owedCommission(1200n, paid(null, mode))).toBe(1200n);
      expect(owedCommission(1200n, paid(800n, mode, { samePayee: false }))).toBe(1200n);
    }
  });

  it('shrinks the platform share pro rata with refunds, half-up, as the deal shrinks', () => {
    // Half refunded: deal 6.00 on 40.00, platform 4.00 of 8.00.
    expect(owedCommission(600n, paid(800n, 'top-up', { netMinor: 4000n }))).toBe(200n);
    // 1/3 kept: 8.00 → 2.67 (2.666… half-up).
    expect(owedCommission(400n, paid(800n, 'top-up', { baseMinor: 3000n, netMinor: 1000n }))).toBe(133n);
    expect(owedCommission(0n, paid(800n, 'top-up', { netMinor: 0n }))).toBe(0n);
  });

  it('parses the setting and refuses anything else', () => {
    expect(parseTikTokAffiliate(' On-Top ')).toBe('on-top');
    expect(() => parseTikTokAffiliate('both')).toThrow(/top-up, none, on-top/);
  });
});

describe('affiliateOrderDelivery', () => {
  const merchant = { id: 'm-1', currency: 'USD' };
  const sku = (more: Record<string, unknown> = {}) => ({
    quantity: 2,
    price: { amount: '40.00', currency: 'USD' },
    creator_username: '@GlowWithMia',
    estimated_paid_commission: { amount: '8.00', currency: 'USD' },
    actual_paid_commission: { amount: '7.50', currency: 'USD' },
    ...more,
  });

  it('credits the first creator, counts kept quantities on both sides, and uses the actual payment once settled', () => {
    const order = {
      id: '576461413040000001',
      create_time: 1_780_000_000,
      status: 'PROCESSING',
      skus: [sku({ returned_quantity: 1 }), sku({ creator_username: 'other' })],
    };
    const { event, dedupeKey } = affiliateOrderDelivery(order, merchant, false);
    expect(event).toMatchObject({
      status: 'paid',
      attributedBase: { minor: 4000n, currency: 'USD' },
      platformCommission: { minor: 400n, currency: 'USD' },
    });
    expect(event.hints).toEqual([
      { method: 'creator_username', value: 'glowwithmia' },
      { method: 'creator_username', value: 'other' },
    ]);
    expect(event.base).toBeUndefined();
    expect(dedupeKey).toMatch(/^affiliate:576461413040000001:[0-9a-f]{32}$/);
    const settled = affiliateOrderDelivery({ ...order, status: 'COMPLETED' }, merchant, true).event;
    expect(settled).toMatchObject({ platformCommission: { minor: 375n }, base: { minor: 12000n } });
    expect(affiliateOrderDelivery({ ...order, status: 'CANCELLED' }, merchant, false).event.status).toBe('cancelled');
  });

  it('refuses an order without an id or create_time, or with a bad amount', () => {
    expect(() => affiliateOrderDelivery({ create_time: 1 }, merchant, true)).toThrow(/without an id/);
    expect(() => affiliateOrderDelivery({ id: '1' }, merchant, true)).toThrow(/create_time/);
    expect(() =>
      affiliateOrderDelivery(
        { id: '1', create_time: 1, skus: [sku({ price: { amount: 'lots', currency: 'USD' } })] },
        merchant,
        true,
      ),
    ).toThrow(/price/);
    expect(() =>
      affiliateOrderDelivery({ id: '1', create_time: 1, skus: [sku({ quantity: -1 })] }, merchant, true),
    ).toThrow(/quantity/);
  });
});
