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

  it('writes the bytes JSON.stringify writes of the plain form, whatever the keys and the text in them', async () => {
    const all = [...(await events(ORDERS_CSV)), ...(await events(AFFILIATE_CSV))];
    const odd = [
      '',
      'plain',
      'quote " and \\ backslash',
      'tab\tnewline\n',
      '\u0001',
      'caf\u00e9 \u2028',
      '\ud83d\ude00',
      '\ud800 lone',
    ];
    for (const { event, lines } of all) {
      expect(canonicalBody(event, FILE, lines)).toBe(reference(event, FILE, lines));
      for (const text of odd) {
        const variant = {
          ...event,
          platformStatus: text,
          hints: [{ method: 'track_message' as const, value: text }],
          lines: [{ skuId: text, sku: text, quantity: 2, base: { minor: -5n, currency: 'USD' } }],
          refunds: [
            { id: text, amount: { minor: 1n, currency: 'USD' } },
            { id: 'b', base: { minor: 2n, currency: 'EUR' } },
          ],
          total: undefined,
          attributedBase: { minor: 0n, currency: 'JPY' },
        } as unknown as OrderEvent;
        expect(canonicalBody(variant, text, [1, 2])).toBe(reference(variant, text, [1, 2]));
      }
    }
  });

  it('refuses a body that is not one (an order stored as CSV text before #22)', () => {
    const row = { platform: 'tiktok', merchantId: MERCHANT, orderId: '1', dedupeKey: 'export:x' };
    expect(() => parseCanonicalBody('576461413038785752,Completed,Completed', row)).toThrow(SyntaxError);
    expect(() => parseCanonicalBody('{"v":2}', row)).toThrow(SyntaxError);
  });
});

/** The form as first written (issue #22): the plain object, then JSON.stringify. */
function reference(event: OrderEvent, fileId: string, lines: readonly number[]): string {
  const money = (m: { minor: bigint; currency: string }) => ({ minor: m.minor.toString(), currency: m.currency });
  const moneyKeys = new Set(['base', 'total', 'attributedBase', 'platformCommission', 'refundedBase']);
  const rowColumns = new Set(['platform', 'merchantId', 'externalOrderId', 'dedupeKey']);
  const out: Record<string, unknown> = {};
  const source = event as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (rowColumns.has(key)) continue;
    const value = source[key];
    if (value instanceof Date) out[key] = value.toISOString();
    else if (key === 'lines') out.lines = event.lines!.map((l) => ({ ...l, base: money(l.base) }));
    else if (key === 'refunds')
      out.refunds = event.refunds!.map((r) => ({
        id: r.id,
        ...(r.base ? { base: money(r.base) } : {}),
        ...(r.amount ? { amount: money(r.amount) } : {}),
      }));
    else if (value && moneyKeys.has(key)) out[key] = money(value as { minor: bigint; currency: string });
    else out[key] = value;
  }
  return JSON.stringify({ v: 1, file: fileId, lines, event: out });
}
