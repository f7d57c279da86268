import { asArray, asObject, text, type Json } from '../../payload.js';
import { TikTokApiError } from './errors.js';
import { callEnvelope, type HttpOptions } from './http.js';
import { signRequest } from './sign.js';

/** What a signed Open API call needs: the app, the shop's access token and (for shop APIs) its cipher. */
export interface ShopCredentials {
  readonly appKey: string;
  readonly appSecret: string;
  readonly accessToken: string;
  readonly shopCipher?: string | null;
}

export interface ClientOptions extends HttpOptions {
  /** Seconds for `timestamp` (TikTok refuses one more than 5 minutes off). */
  readonly now?: () => Date;
}

interface Call {
  readonly what: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Json;
  /** Shop-scoped APIs take `shop_cipher`; authorization APIs refuse it. */
  readonly shopScoped: boolean;
}

/** Get Order Detail takes at most this many ids per call. */
export const MAX_DETAIL_IDS = 50;

/**
 * A small TikTok Shop Open API (202309) client: every call signed, the token in the
 * `x-tts-access-token` header (never in the URL, never logged). `baseUrl` is scheme://host[:port].
 */
export class TikTokShopClient {
  constructor(
    private readonly baseUrl: string,
    private readonly options: ClientOptions = {},
  ) {}

  async call(creds: ShopCredentials, method: 'GET' | 'POST', path: string, call: Call): Promise<Json> {
    const now = this.options.now?.() ?? new Date();
    const query: Record<string, string> = {
      ...call.query,
      app_key: creds.appKey,
      timestamp: String(Math.floor(now.getTime() / 1000)),
    };
    if (call.shopScoped && creds.shopCipher) query.shop_cipher = creds.shopCipher;
    // The body is serialized once: the signature covers exactly the bytes sent.
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    query.sign = signRequest(creds.appSecret, path, query, body ?? '');
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams(query).toString()}`;
    const headers = { 'content-type': 'application/json', 'x-tts-access-token': creds.accessToken };
    return callEnvelope(
      { method, url, headers, what: call.what, ...(body === undefined ? {} : { body }) },
      this.options,
    );
  }

  /** Get Order Detail: the orders among `ids` (at most 50) that TikTok knows; unknown ids are absent. */
  async orderDetails(creds: ShopCredentials, ids: readonly string[]): Promise<Json[]> {
    if (ids.length === 0) return [];
    if (ids.length > MAX_DETAIL_IDS)
      throw new RangeError(`Get Order Detail takes at most ${MAX_DETAIL_IDS} ids, got ${ids.length}`);
    const data = await this.call(creds, 'GET', '/order/202309/orders', {
      what: 'Get Order Detail',
      query: { ids: ids.join(',') },
      shopScoped: true,
    });
    return orderList(data, 'Get Order Detail');
  }

  /** Search Orders, one page, oldest update first. `nextPageToken` is undefined on the last page. */
  async searchOrders(
    creds: ShopCredentials,
    search: OrderSearch,
  ): Promise<{ orders: Json[]; nextPageToken: string | undefined }> {
    const query: Record<string, string> = {
      page_size: String(search.pageSize ?? 50),
      sort_field: 'update_time',
      sort_order: 'ASC',
    };
    if (search.pageToken !== undefined) query.page_token = search.pageToken;
    const body: Json = {
      update_time_ge: search.updateTimeGe,
      ...(search.updateTimeLt === undefined ? {} : { update_time_lt: search.updateTimeLt }),
    };
    const data = await this.call(creds, 'POST', '/order/202309/orders/search', {
      what: 'Search Orders',
      query,
      body,
      shopScoped: true,
    });
    const next = text(data.next_page_token);
    if (next !== undefined && next === search.pageToken)
      throw new TikTokApiError('paging', 'Search Orders: TikTok returned the same page token again');
    return { orders: orderList(data, 'Search Orders'), nextPageToken: next };
  }

  /**
   * Search Returns (`POST /return_refund/202309/returns/search` with `order_ids`): every return
   * and refund request of these orders, all pages. Amounts are decimal strings in `refund_amount`.
   */
  async searchReturns(creds: ShopCredentials, orderIds: readonly string[]): Promise<Json[]> {
    if (orderIds.length === 0) return [];
    if (orderIds.length > MAX_DETAIL_IDS)
      throw new RangeError(`Search Returns takes at most ${MAX_DETAIL_IDS} order ids here, got ${orderIds.length}`);
    const found: Json[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const query: Record<string, string> = {
        page_size: '50',
        ...(pageToken === undefined ? {} : { page_token: pageToken }),
      };
      const data = await this.call(creds, 'POST', '/return_refund/202309/returns/search', {
        what: 'Search Returns',
        query,
        body: { order_ids: [...orderIds] },
        shopScoped: true,
      });
      if (data.return_orders !== undefined && !Array.isArray(data.return_orders))
        throw new TikTokApiError('paging', 'Search Returns: data.return_orders is not a list');
      for (const r of asArray(data.return_orders)) {
        const ret = asObject(r);
        if (ret) found.push(ret);
      }
      const next = text(data.next_page_token);
      if (next === undefined) return found;
      if (next === pageToken)
        throw new TikTokApiError('paging', 'Search Returns: TikTok returned the same page token again');
      pageToken = next;
    }
    throw new TikTokApiError('paging', 'Search Returns: more than 100 pages');
  }

  /**
   * Search Seller Affiliate Orders (202410), one page: the orders created in the window that a
   * creator sold, each SKU naming its creator and TikTok's commission. Needs the affiliate scope.
   */
  async searchAffiliateOrders(
    creds: ShopCredentials,
    search: AffiliateOrderSearch,
  ): Promise<{ orders: Json[]; nextPageToken: string | undefined; totalCount: number | undefined }> {
    const what = 'Search Seller Affiliate Orders';
    const query: Record<string, string> = { page_size: String(search.pageSize ?? 50) };
    if (search.pageToken !== undefined) query.page_token = search.pageToken;
    const body: Json = { create_time_ge: search.createTimeGe, create_time_lt: search.createTimeLt };
    const data = await this.call(creds, 'POST', '/affiliate_seller/202410/orders/search', {
      what,
      query,
      body,
      shopScoped: true,
    });
    const next = text(data.next_page_token);
    if (next !== undefined && next === search.pageToken)
      throw new TikTokApiError('paging', `${what}: TikTok returned the same page token again`);
    const total = typeof data.total_count === 'number' ? data.total_count : undefined;
    return { orders: orderList(data, what), nextPageToken: next, totalCount: total };
  }

  /** Get Authorized Shops: the shops the token grants, with the cipher shop APIs need. */
  async authorizedShops(creds: ShopCredentials): Promise<AuthorizedShop[]> {
    const data = await this.call(creds, 'GET', '/authorization/202309/shops', {
      what: 'Get Authorized Shops',
      shopScoped: false,
    });
    return asArray(data.shops).flatMap((raw) => {
      const shop = asObject(raw);
      const id = text(shop?.id);
      const cipher = text(shop?.cipher);
      return shop && id !== undefined && cipher !== undefined
        ? [{ id, cipher, name: text(shop.name) ?? null, region: text(shop.region) ?? null }]
        : [];
    });
  }
}

export interface OrderSearch {
  /** Unix seconds, inclusive. */
  readonly updateTimeGe: number;
  /** Unix seconds, exclusive. */
  readonly updateTimeLt?: number;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

export interface AffiliateOrderSearch {
  /** Unix seconds, inclusive. */
  readonly createTimeGe: number;
  /** Unix seconds, exclusive. */
  readonly createTimeLt: number;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

export interface AuthorizedShop {
  readonly id: string;
  readonly cipher: string;
  readonly name: string | null;
  readonly region: string | null;
}

function orderList(data: Json, what: string): Json[] {
  if (data.orders === undefined) return [];
  if (!Array.isArray(data.orders)) throw new TikTokApiError('paging', `${what}: data.orders is not a list`);
  return data.orders.flatMap((o: unknown): Json[] => {
    const order = asObject(o);
    return order ? [order] : [];
  });
}
