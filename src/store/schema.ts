import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { TikTokAffiliateMode } from '../domain/platform-commission.js';

/** int8 columns come back as bigint on both back ends (parsers set in connect.ts). */
type Int8 = ColumnType<bigint, bigint | number, bigint | number>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface MerchantsTable {
  id: string;
  name: string;
  currency: string;
  commission_rate_ppm: ColumnType<number, number | undefined, number>;
  hold_days: ColumnType<number, number | undefined, number>;
  store_url: string | null;
  tiktok_app_key: string | null;
  tiktok_app_secret: string | null;
  tiktok_shop_id: string | null;
  tiktok_shop_cipher: string | null;
  tiktok_access_token: string | null;
  tiktok_refresh_token: string | null;
  tiktok_token_expires_at: Timestamp | null;
  tiktok_last_sweep_at: Timestamp | null;
  tiktok_affiliate: ColumnType<TikTokAffiliateMode, TikTokAffiliateMode | undefined, TikTokAffiliateMode>;
  shopify_domain: string | null;
  shopify_secret: string | null;
  woocommerce_secret: string | null;
  /** How long a click can attribute an order (migration 0010). */
  attribution_window_seconds: ColumnType<number, number | undefined, number>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Migration 0007: 'net' | 'with-tax' | 'total'. */
  commission_base: ColumnType<string, string | undefined, string>;
}

export interface InfluencersTable {
  id: string;
  name: string;
  email: string | null;
  iban: string | null;
  bic: string | null;
  paypal_email: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Set: the influencer's codes and creator links attribute nothing from then on (migration 0009). */
  inactive_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CreatorLinksTable {
  creator_id: string;
  influencer_id: string;
  username: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface TrackingCodesTable {
  code: string;
  influencer_id: string;
  merchant_id: string | null;
  destination_url: string | null;
  created_at: DefaultTimestamp;
  /** Set: the code attributes nothing from then on (migration 0009). */
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ClicksTable {
  id: string;
  code: string;
  clicked_at: DefaultTimestamp;
  user_agent: string | null;
  referer: string | null;
  ip_hash: string | null;
  /** HMAC of the salted IP and the user agent: one counted click per visitor and code per hour (0010). */
  visitor_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export type WebhookEventStatus = 'received' | 'processed' | 'ignored' | 'failed' | 'enriching';

export interface WebhookEventsTable {
  id: string;
  platform: string;
  merchant_id: string;
  source: ColumnType<string, string | undefined, string>;
  dedupe_key: string;
  order_id: string | null;
  event_type: string | null;
  headers: ColumnType<unknown, string | undefined, string>;
  body: string;
  status: ColumnType<WebhookEventStatus, WebhookEventStatus | undefined, WebhookEventStatus>;
  outcome: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  received_at: DefaultTimestamp;
  processed_at: Timestamp | null;
}

/** A backfilled file, once per merchant, platform and content (migration 0013). */
export interface BackfillFilesTable {
  id: string;
  merchant_id: string;
  platform: string;
  sha256: string;
  name: string;
  size_bytes: bigint;
  format: string;
  rows: number | null;
  orders: number | null;
  rejected_rows: number | null;
  first_seen_at: DefaultTimestamp;
  completed_at: Timestamp | null;
}

export type SaleStatus = 'pending' | 'validated' | 'cancelled' | 'reversed';

export interface SalesTable {
  id: string;
  merchant_id: string;
  platform: string;
  external_order_id: string;
  status: SaleStatus;
  order_status: string;
  platform_status: string | null;
  status_at: Timestamp | null;
  influencer_id: string | null;
  attribution_method: string | null;
  attribution_value: string | null;
  click_id: string | null;
  currency: string | null;
  base_minor: Int8 | null;
  base_scope: ColumnType<
    'order' | 'attributed_lines',
    'order' | 'attributed_lines' | undefined,
    'order' | 'attributed_lines'
  >;
  total_minor: Int8 | null;
  amounts_at: Timestamp | null;
  refunded_minor: ColumnType<bigint, bigint | number | undefined, bigint | number>;
  /** Migration 0007: the refunds applied, `[{ id, minor }]` with minor as a decimal string. */
  refunds: ColumnType<unknown, string | undefined, string>;
  estimated: ColumnType<boolean, boolean | undefined, boolean>;
  commission_rate_ppm: number;
  commission_minor: Int8 | null;
  tiktok_affiliate: ColumnType<TikTokAffiliateMode, TikTokAffiliateMode | undefined, TikTokAffiliateMode>;
  platform_commission_minor: Int8 | null;
  ordered_at: Timestamp;
  last_event_at: Timestamp;
  validated_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  reversed_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Deals (migration 0008): the deal the sale was created under and its terms; see `CommissionTerms`. */
  deal_id: ColumnType<string | null, string | null | undefined, string | null>;
  fixed_commission_minor: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  rated_base_minor: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  rated_commission_ppm: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
}

/** A commission deal (migration 0008); never edited in place, only ended. */
export interface DealsTable {
  id: string;
  seq: ColumnType<string, never, never>;
  merchant_id: string;
  influencer_id: string | null;
  code: string | null;
  product: string | null;
  rate_ppm: number | null;
  fixed_minor: Int8 | null;
  currency: string | null;
  starts_at: Timestamp | null;
  until_at: Timestamp | null;
  ended_at: Timestamp | null;
  /** `[[afterSales, ratePpm], ...]`, ascending. */
  tiers: ColumnType<[number, number][] | null, string | null, string | null>;
  name: string | null;
  created_at: DefaultTimestamp;
}

/** A version per influencer, merchant and UTC month that every tier decision bumps, checked. */
export interface DealTierMonthsTable {
  influencer_id: string;
  merchant_id: string;
  month: ColumnType<Date, string, string>;
  version: Int8;
}

export interface PayoutBatchesTable {
  id: string;
  as_of: Timestamp;
  created_at: DefaultTimestamp;
  files: ColumnType<unknown, string | undefined, string>;
}

export interface PayoutsTable {
  id: string;
  batch_id: string;
  influencer_id: string;
  currency: string;
  amount_minor: Int8;
  method: 'sepa' | 'paypal' | 'bank' | 'manual';
  reference: string;
  created_at: DefaultTimestamp;
  status: ColumnType<PayoutStatus, PayoutStatus | undefined, PayoutStatus>;
  returned_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  return_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export type PayoutStatus = 'paid' | 'returned';

/** Payout minimums an operator stored (`payout minimum set`), in minor units of the currency. */
export interface PayoutMinimumsTable {
  currency: string;
  amount_minor: Int8;
  updated_at: DefaultTimestamp;
}

export type LedgerKind = 'credit' | 'reversal' | 'payout' | 'return';

export interface LedgerEntriesTable {
  id: Generated<bigint>;
  influencer_id: string;
  currency: string;
  amount_minor: Int8;
  kind: LedgerKind;
  sale_id: string | null;
  payout_id: string | null;
  /** Reversals: the dedupe key of the delivery that caused it (one reversal per sale and delivery). */
  event_key: string | null;
  created_at: DefaultTimestamp;
}

export type NotificationEvent =
  'sale.created' | 'sale.cancelled' | 'sale.validated' | 'sale.reversed' | 'payout.created' | 'payout.returned';

export interface NotificationsTable {
  id: string;
  event: NotificationEvent;
  influencer_id: string | null;
  subject_id: string;
  payload: Json;
  status: ColumnType<
    'pending' | 'delivered' | 'failed',
    'pending' | 'delivered' | 'failed' | undefined,
    'pending' | 'delivered' | 'failed'
  >;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  next_attempt_at: DefaultTimestamp;
  created_at: DefaultTimestamp;
  delivered_at: Timestamp | null;
  /** When delivery turned the row into its `notification_deliveries` (null: not yet). */
  fanned_out_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The whole schema, as Kysely sees it. */
export interface Database {
  merchants: MerchantsTable;
  influencers: InfluencersTable;
  creator_links: CreatorLinksTable;
  tracking_codes: TrackingCodesTable;
  clicks: ClicksTable;
  webhook_events: WebhookEventsTable;
  sales: SalesTable;
  payout_batches: PayoutBatchesTable;
  payouts: PayoutsTable;
  payout_minimums: PayoutMinimumsTable;
  ledger_entries: LedgerEntriesTable;
  notifications: NotificationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  notification_deliveries: NotificationDeliveriesTable;
  jobs: JobsTable;
  deals: DealsTable;
  deal_tier_months: DealTierMonthsTable;
  backfill_files: BackfillFilesTable;
}

export type Merchant = Selectable<MerchantsTable>;
export type NewMerchant = Insertable<MerchantsTable>;
export type MerchantUpdate = Updateable<MerchantsTable>;
export type Influencer = Selectable<InfluencersTable>;
export type CreatorLink = Selectable<CreatorLinksTable>;
export type TrackingCode = Selectable<TrackingCodesTable>;
export type Sale = Selectable<SalesTable>;
export type Payout = Selectable<PayoutsTable>;
export type WebhookEvent = Selectable<WebhookEventsTable>;
export type DealRow = Selectable<DealsTable>;

/** A receiver of signed notifications (Standard Webhooks); removed softly, so history keeps it. */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** null: every influencer's events. */
  influencer_id: string | null;
  /** null: every event. */
  events: ColumnType<string[] | null, never, never>;
  secret: string;
  created_at: DefaultTimestamp;
  removed_at: Timestamp | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One notification to one receiver, with its own retries; its id never changes across attempts. */
export interface NotificationDeliveriesTable {
  id: string;
  notification_id: string;
  channel: 'webhook' | 'email';
  endpoint_id: string | null;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  next_attempt_at: Timestamp;
  give_up_at: Timestamp;
  /** The runner that holds the row until `next_attempt_at` (a lease); null when free. */
  claim_id: string | null;
  last_attempt_at: Timestamp | null;
  created_at: DefaultTimestamp;
  delivered_at: Timestamp | null;
}

export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type NotificationDelivery = Selectable<NotificationDeliveriesTable>;

/** One unit of background work (migration 0011); see src/services/job-runner.ts. */
export interface JobsTable {
  id: Generated<string>;
  task: string;
  payload: Json;
  key: string | null;
  lane: string | null;
  status: ColumnType<
    'pending' | 'done' | 'failed',
    'pending' | 'done' | 'failed' | undefined,
    'pending' | 'done' | 'failed'
  >;
  run_at: DefaultTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  locked_by: string | null;
  locked_at: Timestamp | null;
  last_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}
