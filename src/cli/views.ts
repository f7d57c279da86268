import { formatAttributionWindow } from '../domain/clicks.js';
import { formatRatePercent } from '../domain/commission.js';
import type { CreatorLink, Influencer, Merchant, TrackingCode } from '../store/schema.js';
import { maskSecret } from './output.js';

/** The JSON shape of a merchant: credentials masked, rate as a percentage. */
export function merchantView(m: Merchant) {
  return {
    id: m.id,
    name: m.name,
    currency: m.currency,
    commission_rate: formatRatePercent(m.commission_rate_ppm),
    hold_days: m.hold_days,
    store_url: m.store_url,
    tiktok_app_key: m.tiktok_app_key,
    tiktok_app_secret: maskSecret(m.tiktok_app_secret),
    tiktok_shop_id: m.tiktok_shop_id,
    tiktok_shop_cipher: m.tiktok_shop_cipher,
    tiktok_access_token: maskSecret(m.tiktok_access_token),
    tiktok_refresh_token: maskSecret(m.tiktok_refresh_token),
    tiktok_token_expires_at: m.tiktok_token_expires_at,
    shopify_domain: m.shopify_domain,
    shopify_secret: maskSecret(m.shopify_secret),
    woocommerce_secret: maskSecret(m.woocommerce_secret),
    attribution_window: formatAttributionWindow(m.attribution_window_seconds),
    commission_base: m.commission_base,
    tiktok_affiliate: m.tiktok_affiliate,
    created_at: m.created_at,
  };
}

export function influencerView(i: Influencer) {
  return {
    id: i.id,
    name: i.name,
    email: i.email,
    iban: i.iban,
    bic: i.bic,
    paypal_email: i.paypal_email,
    created_at: i.created_at,
    active: i.inactive_at === null,
    inactive_at: i.inactive_at,
  };
}

export function creatorLinkView(l: CreatorLink) {
  return { creator_id: l.creator_id, influencer_id: l.influencer_id, username: l.username };
}

export function codeView(c: TrackingCode) {
  return {
    code: c.code,
    influencer_id: c.influencer_id,
    merchant_id: c.merchant_id,
    url: c.destination_url,
    created_at: c.created_at,
    disabled_at: c.disabled_at,
  };
}

/** Human detail: `key  value` lines, empty values left out. */
export function detail(view: Record<string, unknown>): string {
  const entries = Object.entries(view).filter(([, v]) => v !== null && v !== undefined && v !== '');
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${v instanceof Date ? v.toISOString() : String(v)}`).join('\n');
}
