import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TIKTOK } from './world.js';

type Json = Record<string, unknown>;

/** A scripted answer that replaces the next normal one on a path. */
export interface Fault {
  readonly status: number;
  readonly code?: number;
  readonly message?: string;
  readonly retryAfter?: string;
  /** Answer this late (a slow TikTok, for timeouts). */
  readonly delayMs?: number;
  /** Answer with this raw text instead of an envelope. */
  readonly raw?: string;
}

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: string;
  readonly status: number;
  readonly code: number;
}

export const SHOP = { id: TIKTOK.shopId, cipher: 'ROW_fakeCipher0001', name: 'Glow Cosmetics', region: 'US' };
export const AUTH_CODE = 'auth-code-from-redirect';
export const AFFILIATE_SEARCH = '/affiliate_seller/202410/orders/search';

/**
 * TikTok Shop's Open API and token service, played on 127.0.0.1 for tests. It checks every
 * request the way TikTok documents (202309 signature recomputed here, independently of
 * tracknow's code; timestamp within 5 minutes; the token in `x-tts-access-token`; the shop
 * cipher) and answers with TikTok's envelope and error codes: 106001 invalid signature,
 * 105002 expired token, 429 rate limiting, paged Search Orders.
 */
export async function startFakeTikTok() {
  const orders = new Map<string, Json>();
  /** Search Returns' records by order id (202309 `return_orders`). */
  const returns = new Map<string, Json[]>();
  /** Search Seller Affiliate Orders' records by order id (an order the affiliate API does not list yet is absent). */
  const affiliateOrders = new Map<string, Json>();
  const faults = new Map<string, Fault[]>();
  const calls: FakeCall[] = [];
  const state = {
    access: 'TTP_access_1',
    refresh: 'TTP_refresh_1',
    expired: new Set<string>(),
    issued: 1,
    refreshes: 0,
    affiliateScope: true,
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams);
      const fault = faults.get(url.pathname)?.shift();
      const [status, envelope] = fault ? faulted(fault) : route(req, url.pathname, query, body);
      calls.push({ method: req.method ?? '', path: url.pathname, query, body, status, code: Number(envelope.code) });
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(fault?.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
        });
        res.end(fault?.raw ?? JSON.stringify(envelope));
      }, fault?.delayMs ?? 0);
    });
  });

  function route(req: IncomingMessage, path: string, query: Record<string, string>, body: string): [number, Json] {
    if (path === '/api/v2/token/get' || path === '/api/v2/token/refresh') return tokens(path, query);
    const refused = checkSigned(req, path, query, body);
    if (refused) return refused;
    if (path === '/authorization/202309/shops') {
      if ('shop_cipher' in query) return fail(400, 36009001, 'shop_cipher is not allowed here');
      return ok({ shops: [SHOP] });
    }
    if (query.shop_cipher !== SHOP.cipher) return fail(400, 36009003, 'invalid shop_cipher');
    if (req.method === 'GET' && path === '/order/202309/orders') {
      const ids = (query.ids ?? '').split(',').filter(Boolean);
      if (ids.length === 0 || ids.length > 50) return fail(400, 36009002, 'ids: 1 to 50 order ids');
      return ok({ orders: ids.flatMap((id) => (orders.has(id) ? [orders.get(id)!] : [])) });
    }
    if (req.method === 'POST' && path === '/order/202309/orders/search')
      return search(query, JSON.parse(body || '{}') as Json);
    if (req.method === 'POST' && path === '/return_refund/202309/returns/search')
      return searchReturns(query, JSON.parse(body || '{}') as Json);
    if (req.method === 'POST' && path === AFFILIATE_SEARCH) {
      if (!state.affiliateScope) return fail(403, 105005, 'Access denied: the seller has not authorized this scope');
      return affiliateSearch(query, JSON.parse(body || '{}') as Json);
    }
    return fail(404, 36009404, 'no such API');
  }

  function checkSigned(
    req: IncomingMessage,
    path: string,
    query: Record<string, string>,
    body: string,
  ): [number, Json] | undefined {
    if (query.app_key !== TIKTOK.appKey) return fail(401, 106000, 'invalid app_key');
    if (Math.abs(Date.now() / 1000 - Number(query.timestamp)) > 300) return fail(401, 106002, 'timestamp is expired');
    // The documented algorithm, written out independently of src/.
    const keys = Object.keys(query)
      .filter((k) => k !== 'sign' && k !== 'access_token')
      .sort();
    const input = TIKTOK.appSecret + path + keys.map((k) => k + query[k]).join('') + body + TIKTOK.appSecret;
    const expected = createHmac('sha256', TIKTOK.appSecret).update(input).digest('hex');
    const sign = Buffer.from(query.sign ?? '');
    if (sign.length !== expected.length || !timingSafeEqual(sign, Buffer.from(expected)))
      return fail(401, 106001, 'signature is invalid');
    if ('access_token' in query) return fail(400, 36009005, '202309 APIs take the token in x-tts-access-token');
    const token = req.headers['x-tts-access-token'];
    if (typeof token === 'string' && state.expired.has(token)) return fail(401, 105002, 'Expired credentials');
    if (token !== state.access) return fail(401, 105001, 'Invalid credentials');
    return undefined;
  }

  function tokens(path: string, query: Record<string, string>): [number, Json] {
    if (query.app_key !== TIKTOK.appKey || query.app_secret !== TIKTOK.appSecret)
      return fail(200, 36004004, 'invalid app_key or app_secret');
    if (path.endsWith('/get') && (query.grant_type !== 'authorized_code' || query.auth_code !== AUTH_CODE))
      return fail(200, 36004003, 'invalid auth_code');
    if (path.endsWith('/refresh') && (query.grant_type !== 'refresh_token' || query.refresh_token !== state.refresh))
      return fail(200, 36004005, 'invalid refresh_token');
    if (path.endsWith('/refresh')) state.refreshes++;
    state.access = `TTP_access_${++state.issued}`;
    const now = Math.floor(Date.now() / 1000);
    return ok({
      access_token: state.access,
      access_token_expire_in: now + 7 * 86400,
      refresh_token: state.refresh,
      refresh_token_expire_in: now + 365 * 86400,
      open_id: 'fake-open-id',
      seller_name: 'Glow',
      seller_base_region: 'US',
      user_type: 0,
    });
  }

  function search(query: Record<string, string>, body: Json): [number, Json] {
    const size = Number(query.page_size);
    if (!Number.isInteger(size) || size < 1 || size > 100) return fail(400, 36009002, 'page_size: 1 to 100');
    const ge = Number(body.update_time_ge ?? 0);
    const lt = body.update_time_lt === undefined ? Number.POSITIVE_INFINITY : Number(body.update_time_lt);
    const all = [...orders.values()]
      .filter((o) => Number(o.update_time) >= ge && Number(o.update_time) < lt)
      .sort((a, b) => Number(a.update_time) - Number(b.update_time) || String(a.id).localeCompare(String(b.id)));
    const offset = query.page_token ? Number(Buffer.from(query.page_token, 'base64url').toString()) : 0;
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
    return ok({ orders: page, next_page_token: next, total_count: all.length });
  }

  function searchReturns(query: Record<string, string>, body: Json): [number, Json] {
    const size = Number(query.page_size);
    if (!Number.isInteger(size) || size < 1 || size > 50) return fail(400, 36009002, 'page_size: 1 to 50');
    const ids = body.order_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 50 || !ids.every((id) => typeof id === 'string'))
      return fail(400, 36009002, 'order_ids: 1 to 50 order ids');
    const all = (ids as string[]).flatMap((id) => returns.get(id) ?? []);
    const offset = query.page_token ? Number(Buffer.from(query.page_token, 'base64url').toString()) : 0;
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
    return ok({ return_orders: page, next_page_token: next, total_count: all.length });
  }

  function affiliateSearch(query: Record<string, string>, body: Json): [number, Json] {
    const size = Number(query.page_size);
    if (!Number.isInteger(size) || size < 1 || size > 50) return fail(400, 36009002, 'page_size: 1 to 50');
    if (typeof body.create_time_ge !== 'number' || typeof body.create_time_lt !== 'number')
      return fail(400, 36009002, 'create_time_ge and create_time_lt are required');
    const [ge, lt] = [body.create_time_ge, body.create_time_lt];
    const all = [...affiliateOrders.values()]
      .filter((o) => Number(o.create_time) >= ge && Number(o.create_time) < lt)
      .sort((a, b) => Number(a.create_time) - Number(b.create_time) || String(a.id).localeCompare(String(b.id)));
    const offset = query.page_token ? Number(Buffer.from(query.page_token, 'base64url').toString()) : 0;
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
    return ok({ orders: all.slice(offset, offset + size), next_page_token: next, total_count: all.length });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    orders,
    returns,
    affiliateOrders,
    calls,
    state,
    /** Queues answers that replace the next normal ones on this path, in order. */
    fail(path: string, ...answers: Fault[]) {
      faults.set(path, [...(faults.get(path) ?? []), ...answers]);
    },
    /** The current access token now answers 105002 until a refresh issues another. */
    expireAccessToken() {
      state.expired.add(state.access);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type FakeTikTok = Awaited<ReturnType<typeof startFakeTikTok>>;

/** An order as Get Order Detail and Search Orders return it (202309), with the PII tracknow must not keep. */
export function apiOrder(fields: {
  id: string;
  status?: string;
  update_time: number;
  sub_total: string;
  total_amount?: string;
  currency?: string;
  buyer_message?: string;
}): Json {
  return {
    id: fields.id,
    status: fields.status ?? 'AWAITING_SHIPMENT',
    create_time: fields.update_time - 600,
    paid_time: fields.update_time - 590,
    update_time: fields.update_time,
    buyer_email: 'v2buyer@scs2.tiktok.com',
    buyer_message: fields.buyer_message ?? '',
    recipient_address: { name: 'Jane Buyer', phone_number: '(+1)213-***-1234', full_address: '1 Main St, Springfield' },
    payment: {
      currency: fields.currency ?? 'USD',
      sub_total: fields.sub_total,
      total_amount: fields.total_amount ?? fields.sub_total,
      shipping_fee: '0.00',
      tax: '0.00',
      seller_discount: '0.00',
      platform_discount: '0.00',
    },
    line_items: [
      {
        id: `${fields.id}1`,
        sku_id: '1729385',
        product_name: 'Glow Serum',
        sale_price: fields.sub_total,
        currency: fields.currency ?? 'USD',
      },
    ],
  };
}

/** An order as Search Seller Affiliate Orders (202410) returns it: one SKU sold by a creator, TikTok's commission on it. */
export function affiliateOrder(fields: {
  id: string;
  create_time: number;
  creator: string;
  price: string;
  quantity?: number;
  currency?: string;
  status?: string;
  rate?: string;
  estimated?: string;
  actual?: string;
  refunded_quantity?: number;
  returned_quantity?: number;
}): Json {
  const currency = fields.currency ?? 'USD';
  const money = (amount: string | undefined) => (amount === undefined ? undefined : { amount, currency });
  return {
    id: fields.id,
    create_time: fields.create_time,
    status: fields.status ?? 'PROCESSING',
    skus: [
      {
        id: `${fields.id}01`,
        product_id: '1729000000000009',
        quantity: fields.quantity ?? 1,
        price: money(fields.price),
        creator_username: fields.creator,
        content_type: 'VIDEO',
        content_id: '7421000000000000001',
        commission_rate: fields.rate ?? '1000',
        estimated_paid_commission: money(fields.estimated),
        actual_paid_commission: money(fields.actual),
        refunded_quantity: fields.refunded_quantity ?? 0,
        returned_quantity: fields.returned_quantity ?? 0,
      },
    ],
  };
}

function ok(data: Json): [number, Json] {
  return [200, { code: 0, message: 'Success', request_id: 'fake', data }];
}

function fail(status: number, code: number, message: string): [number, Json] {
  return [status, { code, message, request_id: 'fake' }];
}

function faulted(fault: Fault): [number, Json] {
  return [
    fault.status,
    { code: fault.code ?? fault.status, message: fault.message ?? 'scripted failure', request_id: 'fake' },
  ];
}

/** A completed return as Search Returns lists it (202309), amounts as decimal strings. */
export function apiReturn(fields: {
  returnId: string;
  orderId: string;
  refundSubtotal?: string;
  refundTotal?: string;
  status?: string;
  updateTime: number;
  currency?: string;
  lines?: string[];
}): Json {
  const currency = fields.currency ?? 'USD';
  return {
    return_id: fields.returnId,
    order_id: fields.orderId,
    return_type: 'RETURN_AND_REFUND',
    return_status: fields.status ?? 'RETURN_OR_REFUND_REQUEST_COMPLETE',
    create_time: fields.updateTime - 3600,
    update_time: fields.updateTime,
    refund_amount: {
      currency,
      refund_total: fields.refundTotal ?? fields.refundSubtotal ?? '0.00',
      ...(fields.refundSubtotal === undefined ? {} : { refund_subtotal: fields.refundSubtotal }),
      refund_shipping_fee: '0.00',
      refund_tax: '0.00',
    },
    return_line_items: (fields.lines ?? []).map((subtotal, i) => ({
      return_line_item_id: `${fields.returnId}${i}`,
      order_line_item_id: `${fields.orderId}${i}`,
      sku_id: '1729385',
      refund_amount: { currency, refund_subtotal: subtotal, refund_total: subtotal },
    })),
  };
}
