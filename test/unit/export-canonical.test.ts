import { describe, expect, it } from 'vitest';
import { canonicalBody, parseCanonicalBody } from '../../src/platforms/tiktok-shop/export/canonical.js';
import { readTikTokExport } from '../../src/platforms/tiktok-shop/export/read-export.js';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { AFFILIATE_CSV, ORDERS_CSV } from '../helpers/exports.js';

const MERCHANT = '00000000-0000-4000-8000-000000000001';
const FILE = '00000000-0000-4000-8000-0000000000ff';

async function events(path: string): Promise<{ event: OrderEvent; lines: number[] }[]> {
  const out: { event: OrderEvent; lines: number[] }[] = [];
  for await (const item of readTikTokExport(path, { merchantId: MERCHANT, currency: 'USD', file: path }))
    if (item.kind === 'order') out.push({ event: item.event, lines: item.lines });
  return out;
}

describe('the canonical form of a backfilled order (issue #22)', () => {
  it('gives back every export order exactly: money as bigint, instants as dates, lines, refunds, hints', async () => {
    const all = [...(await events(ORDERS_CSV)), ...(await events(AFFILIATE_CSV))];
    expect(all.length).toBe(6);
    for (const { event, lines } of all) {
      const body = canonicalBody(event, FILE, lines);
      const back = parseCanonicalBody(body, {
        platform: event.platform,
        merchantId: event.merchantId,
        orderId: event.externalOrderId,
        dedupeKey: event.dedupeKey,
      });
      expect(back.event).toEqual(event);
      expect(back.order).toMatchObject({ v: 1, file: FILE, lines });
      // Not the CSV: no row text, only what was parsed.
      expect(body).not.toMatch(/\r|\n/);
    }
  });

  it('refuses a body that is not one (an order stored as CSV text before #22)', () => {
    const row = { platform: 'tiktok', merchantId: MERCHANT, orderId: '1', dedupeKey: 'export:x' };
    expect(() => parseCanonicalBody('576461413038785752,Completed,Completed', row)).toThrow(SyntaxError);
    expect(() => parseCanonicalBody('{"v":2}', row)).toThrow(SyntaxError);
  });
});
