import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { TracknowError, usage } from '../../errors.js';
import { getPlatform, type MerchantSecrets } from '../../platforms/platform.js';
import type { Database } from '../../store/schema.js';
import {
  findTemplate,
  getTestEvents,
  type Fill,
  type HintFlag,
  type TestEventKit,
} from '../../platforms/test-events.js';

export { sendTestRequest, rejection, type SendResult } from './send-test-http.js';

export interface SendTestOptions {
  readonly platform: string;
  readonly merchantId: string;
  /** The listener's base URL; the platform's route is appended. */
  readonly url: string;
  readonly event?: string;
  readonly shape?: string;
  readonly orderId?: string;
  readonly amount?: string;
  readonly currency?: string;
  readonly status?: string;
  readonly creatorId?: string;
  readonly code?: string;
  readonly utmSource?: string;
  readonly buyerMessage?: string;
  /** Shopify: send a test order (`test: true`), which tracknow stores but never credits. */
  readonly testOrder?: boolean;
  /** Signs with this instead of the merchant's stored secret (then no database is needed). */
  readonly secret?: string;
  /** TikTok: the app key the signature covers, with --secret. */
  readonly appKey?: string;
  /** Send this file's bytes as they are. */
  readonly fromFile?: string;
  /** Injected for tests; defaults to the clock. */
  readonly now?: Date;
}

/** Where the merchant's stored secrets are read, if the flags do not give them all. */
export interface SecretSource {
  readonly encryptionKey?: Buffer;
  /** Runs `fn` on the store, opened only when called. */
  withDb<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/** A signed request, ready to send or to print. */
export interface TestRequest {
  readonly method: 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly platform: string;
  readonly event: string;
  readonly shape: string | null;
  /** The filled order id; null for --from-file. */
  readonly orderId: string | null;
}

const FILL_FLAGS = {
  testOrder: '--test-order',
  orderId: '--order-id',
  amount: '--amount',
  currency: '--currency',
  status: '--status',
  creatorId: '--creator-id',
  code: '--code',
  utmSource: '--utm-source',
  buyerMessage: '--buyer-message',
} as const;
const HINT_FLAG_NAMES: Readonly<Record<HintFlag, string>> = {
  creatorId: '--creator-id',
  code: '--code',
  utmSource: '--utm-source',
  buyerMessage: '--buyer-message',
};

/**
 * Builds the request a platform would send for one test event: the template filled in, its
 * headers, and the signature from the adapter's own `sign()` (the code that verifies).
 */
export async function buildTestRequest(source: SecretSource, options: SendTestOptions): Promise<TestRequest> {
  const kit = getTestEvents(options.platform);
  checkFlags(kit, options);
  const template = findTemplate(kit, options.event, options.shape);
  const url = `${baseUrl(options.url)}/api/webhook/${kit.platform}/${encodeURIComponent(options.merchantId)}`;
  const merchant = await merchantFor(source, kit, options);
  const now = options.now ?? new Date();
  const fill: Fill = {
    ...pickFill(options),
    orderId: options.orderId ?? kit.randomOrderId(),
    deliveryId: kit.randomDeliveryId(),
    now,
  };
  const body =
    options.fromFile !== undefined
      ? await readBody(options.fromFile)
      : Buffer.from(JSON.stringify(kit.build(template, fill, merchant)), 'utf8');
  const headers = { ...kit.headers(template.event, fill, merchant), ...getPlatform(kit.platform).sign(body, merchant) };
  return {
    method: 'POST',
    url,
    headers,
    body,
    platform: kit.platform,
    event: template.event,
    shape: template.shape ?? null,
    orderId: options.fromFile !== undefined ? null : fill.orderId,
  };
}

function checkFlags(kit: TestEventKit, o: SendTestOptions): void {
  if (o.fromFile !== undefined) {
    const given = Object.entries(FILL_FLAGS)
      .filter(([key]) => o[key as keyof typeof FILL_FLAGS] !== undefined)
      .map(([, flag]) => flag);
    if (given.length) throw usage(`--from-file sends the file byte for byte; ${given.join(', ')} cannot change it`);
  }
  for (const [hint, flag] of Object.entries(HINT_FLAG_NAMES)) {
    if (o[hint as HintFlag] !== undefined && !kit.hints.includes(hint as HintFlag))
      throw usage(`${flag} does not apply to ${kit.platform} payloads`);
  }
  if (o.testOrder && (kit.platform !== 'shopify' || o.fromFile !== undefined))
    throw usage('--test-order applies to Shopify orders only, not with --from-file');
  if (o.appKey !== undefined && kit.appKeyField === undefined)
    throw usage(`does not apply to ${kit.platform}: its signature covers the body only`, 'appKey');
  if (o.secret === '') throw usage('must not be empty', 'secret');
}

function pickFill(o: SendTestOptions): Omit<Fill, 'orderId' | 'deliveryId' | 'now'> {
  const { amount, currency, status, creatorId, code, utmSource, buyerMessage, testOrder } = o;
  return Object.fromEntries(
    Object.entries({ amount, currency, status, creatorId, code, utmSource, buyerMessage, testOrder }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}

/**
 * The merchant's credentials: the stored ones, with `--secret` (and `--app-key`) over them.
 * When the flags give everything the signature needs, no database is opened at all (a listener
 * on another host, a CI job without the store).
 */
async function merchantFor(source: SecretSource, kit: TestEventKit, o: SendTestOptions): Promise<MerchantSecrets> {
  const offline = o.secret !== undefined && (kit.appKeyField === undefined || o.appKey !== undefined);
  const overrides: Partial<Record<TestEventKit['secretField'] | NonNullable<TestEventKit['appKeyField']>, string>> = {};
  if (o.secret !== undefined) overrides[kit.secretField] = o.secret;
  if (o.appKey !== undefined && kit.appKeyField) overrides[kit.appKeyField] = o.appKey;
  if (offline) return { id: o.merchantId, currency: o.currency?.toUpperCase() ?? 'USD', ...overrides };
  const { findMerchantSecrets } = await import('../ingest/webhook-intake.js');
  const stored = await source.withDb((db) =>
    findMerchantSecrets(db, o.merchantId, { encryptionKey: source.encryptionKey, platform: kit.platform }),
  );
  return { ...stored, ...overrides };
}

async function readBody(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new TracknowError(
      'invalid',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

function baseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`${JSON.stringify(url)} is not a URL such as http://127.0.0.1:8001`, 'url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usage('must be http:// or https://', 'url');
  return url.replace(/\/+$/, '');
}

/** The request as JSON for `--dry-run`: the body as text, so any tool can recompute the HMAC. */
export function requestView(req: TestRequest): {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  body_base64?: string;
} {
  const text = req.body.toString('utf8');
  // Bytes that are not UTF-8 (a --from-file capture) would not survive as text.
  const exact = Buffer.from(text, 'utf8').equals(req.body);
  return {
    method: req.method,
    url: req.url,
    headers: { ...req.headers },
    body: text,
    ...(exact ? {} : { body_base64: req.body.toString('base64') }),
  };
}
