import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/store/schema.js';
import { fixtureJson } from '../../helpers/fixtures.js';
import { SHOPIFY, TIKTOK, WOO } from '../../helpers/world.js';

export type Platform = 'tiktok' | 'shopify' | 'woocommerce';
export const PLATFORMS: readonly Platform[] = ['tiktok', 'shopify', 'woocommerce'];

/** One merchant's platform credentials, as the test signs with them. */
export interface Keys {
  readonly appKey: string;
  readonly appSecret: string;
  readonly shopify: string;
  readonly woo: string;
}
export const KEYS_A: Keys = {
  appKey: TIKTOK.appKey,
  appSecret: TIKTOK.appSecret,
  shopify: SHOPIFY.secret,
  woo: WOO.secret,
};

/** The signature header a platform would send for these bytes. */
export function signatureHeaders(platform: Platform, body: Buffer, keys: Keys = KEYS_A): Record<string, string> {
  if (platform === 'tiktok')
    return { authorization: createHmac('sha256', keys.appSecret).update(keys.appKey).update(body).digest('hex') };
  if (platform === 'shopify')
    return { 'x-shopify-hmac-sha256': createHmac('sha256', keys.shopify).update(body).digest('base64') };
  return { 'x-wc-webhook-signature': createHmac('sha256', keys.woo).update(body).digest('base64') };
}

/** The topic headers of an order-creating delivery. */
export function topicHeaders(platform: Platform): Record<string, string> {
  if (platform === 'shopify') return { 'x-shopify-topic': 'orders/create' };
  if (platform === 'woocommerce') return { 'x-wc-webhook-topic': 'order.created' };
  return {};
}

type Json = Record<string, any>;

/**
 * A well-formed, paid order that would be attributed to Mia (creator / code ABC12345), as a
 * mutable object; `mutate` plants the hostile value. Serialise with `toBody`.
 */
export function orderObject(platform: Platform, orderId: string): Json {
  if (platform === 'tiktok') {
    return {
      type: 'ORDER_STATUS_CHANGE',
      timestamp: 1790000000,
      data: {
        order_id: orderId,
        order_status: 111,
        payment: { total_amount: 12550, currency: 'USD' },
        creator_info: { creator_id: 'tiktok_creator_123' },
        promotion_info: [{ promotion_code: 'ABC12345' }],
      },
    };
  }
  const base = structuredClone(
    fixtureJson(platform === 'shopify' ? 'shopify/orders-create.json' : 'woocommerce/order-created.json'),
  ) as Json;
  base.id = orderId;
  if (platform === 'woocommerce') base.coupon_lines = [{ code: 'ABC12345' }];
  return base;
}

const rawTexts = new Map<string, string>();

/** A placeholder for raw JSON text that JSON.stringify cannot write (2^64 as a literal, 1e999, deep nesting). */
export function raw(jsonText: string): string {
  const token = `__RAW_${rawTexts.size}__`;
  rawTexts.set(token, jsonText);
  return token;
}

/** JSON text with every `raw()` placeholder replaced by its raw text. */
export function toBody(value: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(value).replace(/"(__RAW_\d+__)"/g, (_, token: string) => rawTexts.get(token) ?? token),
  );
}

export interface Counts {
  readonly events: number;
  readonly sales: number;
  readonly ledger: number;
}

/** What counts as a write: inbox rows, sales and ledger entries. */
export async function counts(db: Kysely<Database>): Promise<Counts> {
  const n = async (table: 'webhook_events' | 'sales' | 'ledger_entries') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const [events, sales, ledger] = await Promise.all([n('webhook_events'), n('sales'), n('ledger_entries')]);
  return { events, sales, ledger };
}

/** fast-check inputs, reproducible: FAULT_SEED pins the run, else a fresh seed the failure message names. */
export function sampleOf<T>(arb: fc.Arbitrary<T>, numRuns: number): { inputs: T[]; seed: number } {
  const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  return { inputs: fc.sample(arb, { numRuns, seed }), seed };
}

/** Runs `fn` over the items, `width` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Tallies one check: how many inputs held, with the first few that did not, for the failure message. */
export class Tally {
  tried = 0;
  held = 0;
  readonly misses: string[] = [];
  note(ok: boolean, what: () => string): void {
    this.tried++;
    if (ok) this.held++;
    else if (this.misses.length < 8) this.misses.push(what().slice(0, 300));
  }
}

/**
 * Writes bytes on a raw socket (a normal client refuses to send smuggling headers) and reads
 * until the server closes; returns every status code it answered with.
 */
export function rawExchange(
  url: string,
  payload: Buffer | string,
  options: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<{ statuses: number[]; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ statuses: [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1])), text });
    };
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', done);
    socket.on('error', () => undefined);
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    // Requests carry `Connection: close`; a half-close is only for a body cut short.
    if (options.halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}
