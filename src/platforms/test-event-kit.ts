import { randomInt } from 'node:crypto';
import { isCurrency } from '../domain/currency.js';
import { formatMajor, parseMajor, type Money } from '../domain/money.js';
import type { PlatformId } from '../domain/order-event.js';
import { TracknowError, usage } from '../errors.js';
import { asObject, type Json } from './payload.js';
import type { MerchantSecrets } from './platform.js';

/**
 * Test events are data (stripe-cli's fixtures): one JSON file per event beside the adapter
 * that signs it, `{ event, shape?, description, body }`. A kit fills a template's order id,
 * amounts, status and hints; the adapter's own `sign()` then signs the bytes.
 */
export interface Template {
  /** The file it came from, e.g. `orders-create.json`. */
  readonly file: string;
  /** The platform's name for it: `orders/create`, `order.created`, `paid`. */
  readonly event: string;
  /** A payload variant of one platform (TikTok: `seed` or `notification`). */
  readonly shape?: string;
  readonly description: string;
  readonly body: Json;
}

/** What the sender fills in; ids and the clock are passed in so that building stays pure. */
export interface Fill {
  readonly orderId: string;
  /** Unique per send: the platform's delivery or notification id. */
  readonly deliveryId: string;
  readonly now: Date;
  /** Major units ("125.50"), converted by the currency's exponent. */
  readonly amount?: string;
  readonly currency?: string;
  /** The platform's own status text or code. */
  readonly status?: string;
  readonly creatorId?: string;
  readonly code?: string;
  readonly utmSource?: string;
  readonly buyerMessage?: string;
  /** Shopify: mark the order `test: true` (a test order never earns). */
  readonly testOrder?: boolean;
}

export type HintFlag = 'creatorId' | 'code' | 'utmSource' | 'buyerMessage';
export const HINT_FLAGS: readonly HintFlag[] = ['creatorId', 'code', 'utmSource', 'buyerMessage'];

/** One platform's test events: its templates, how to fill them, and the headers it sends. */
export interface TestEventKit {
  readonly platform: PlatformId;
  /** Payload shapes, the default first; empty when the platform has one. */
  readonly shapes: readonly string[];
  /** In order: the first template of the default shape is the default event. */
  readonly templates: readonly Template[];
  /** The attribution hints this platform's payloads can carry. */
  readonly hints: readonly HintFlag[];
  /** Which MerchantSecrets fields `--secret` (and `--app-key`) stand for. */
  readonly secretField: 'tiktokAppSecret' | 'shopifySecret' | 'woocommerceSecret';
  readonly appKeyField?: 'tiktokAppKey';
  /** A filled copy of the template's body; never mutates the template. */
  build(template: Template, fill: Fill, merchant: MerchantSecrets): Json;
  /** The delivery headers the platform sends, without the signature (the adapter adds it). */
  headers(event: string, fill: Pick<Fill, 'deliveryId' | 'now'>, merchant: MerchantSecrets): Record<string, string>;
  randomOrderId(): string;
  randomDeliveryId(): string;
}

/** Checks the JSON files a platform's template index imports; a bad file is a bug, not input. */
export function loadTemplates(platform: PlatformId, files: Readonly<Record<string, unknown>>): Template[] {
  return Object.entries(files).map(([file, raw]) => {
    const t = asObject(raw);
    const body = asObject(t?.body);
    const ok =
      t &&
      body &&
      typeof t.event === 'string' &&
      typeof t.description === 'string' &&
      (t.shape === undefined || typeof t.shape === 'string');
    if (!ok)
      throw new TracknowError(
        'internal',
        `${platform} template ${file} needs "event", "description" and a "body" object`,
      );
    return {
      file,
      event: t.event as string,
      description: t.description as string,
      body,
      ...(typeof t.shape === 'string' && { shape: t.shape }),
    };
  });
}

/**
 * The template's amount, or `--amount` in `--currency` (else the template's currency). Only
 * `--currency` keeps the template's minor-unit digits, so a JPY order never gets a fraction.
 */
export function fillMoney(fill: Fill, template: Money): Money {
  const currency = fill.currency?.trim().toUpperCase() ?? template.currency;
  if (!isCurrency(currency))
    throw usage(`--currency ${JSON.stringify(fill.currency)} is not an ISO 4217 code such as EUR`);
  if (fill.amount === undefined) return { minor: template.minor, currency };
  let minor: bigint;
  try {
    minor = parseMajor(fill.amount, currency);
  } catch (err) {
    throw usage(`--amount ${JSON.stringify(fill.amount)} is not an amount in ${currency}: ${(err as Error).message}`);
  }
  if (minor < 0n) throw usage('--amount must not be negative');
  return { minor, currency };
}

/** Minor units as a JSON number (TikTok's seed sends integer cents); refuses what a double cannot hold. */
export function minorNumber(money: Money): number {
  const n = Number(money.minor);
  if (!Number.isSafeInteger(n)) throw usage(`--amount is too large for a JSON integer in minor units`);
  return n;
}

export const major = (minor: bigint, currency: string): string => formatMajor(minor, currency);

/** A template's decimal-string amount in minor units (templates are ours: a bad one is a bug). */
export function templateMinor(value: unknown, currency: string): bigint {
  return parseMajor(String(value ?? '0'), currency);
}

export function hasHints(fill: Fill): boolean {
  return HINT_FLAGS.some((flag) => fill[flag] !== undefined);
}

/** An order id as the platform sends it: a JSON integer when it is one, else a string. */
export function jsonId(id: string): number | string {
  return /^[1-9]\d{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id;
}

/** n random decimal digits, the first not zero. */
export function randomDigits(n: number): string {
  let s = String(randomInt(1, 10));
  while (s.length < n) s += String(randomInt(0, 10));
  return s;
}

/** `2026-10-01T08:15:00`: WooCommerce's *_gmt fields, UTC without a zone suffix. */
export const gmtSeconds = (d: Date): string => d.toISOString().slice(0, 19);
/** `2026-10-01T08:15:00Z`: ISO 8601 without milliseconds. */
export const isoSeconds = (d: Date): string => `${gmtSeconds(d)}Z`;
