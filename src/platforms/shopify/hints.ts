import type { AttributionHint, AttributionMethod } from '../../domain/order-event.js';
import { asArray, asObject, text } from '../payload.js';
import type { Json } from '../payload.js';

/** note_attributes a tracknow-aware storefront writes, by meaning. */
const NOTE_ATTRIBUTES: Readonly<Record<string, AttributionMethod>> = {
  tracknow_click: 'click',
  tracknow_ref: 'ref',
  tracking_code: 'ref',
};

const REDIRECT_PATH = /(?:^|\/)r\/([A-Za-z0-9_-]+)\/?$/;

/**
 * Attribution hints of an order, in this order: discount codes, note attributes, the landing
 * site's tracknow_click / utm_source / utm_campaign / ref / `/r/CODE`, Shopify's
 * `landing_site_ref`, the note. (The ranking, not this order, decides which wins.)
 */
export function shopifyHints(order: Json): AttributionHint[] {
  const found: [AttributionMethod, unknown][] = [];
  for (const dc of asArray(order.discount_codes)) found.push(['promo_code', asObject(dc)?.code]);
  for (const attr of asArray(order.note_attributes)) {
    const a = asObject(attr);
    const method =
      NOTE_ATTRIBUTES[
        String(a?.name ?? a?.key ?? '')
          .trim()
          .toLowerCase()
      ];
    if (method) found.push([method, a?.value]);
  }
  found.push(...landingSiteHints(text(order.landing_site)));
  found.push(['ref', order.landing_site_ref], ['track_message', order.note]);
  return found.flatMap(([method, raw]) => {
    const value = text(raw);
    return value === undefined ? [] : [{ method, value }];
  });
}

function landingSiteHints(landingSite: string | undefined): [AttributionMethod, unknown][] {
  if (landingSite === undefined) return [];
  let url: URL;
  try {
    // landing_site is usually a path with a query ("/products/x?utm_source=…"), sometimes a full URL.
    url = new URL(landingSite, 'https://shop.invalid/');
  } catch {
    return [];
  }
  const q = url.searchParams;
  return [
    ['click', q.get('tracknow_click')],
    ['utm_source', q.get('utm_source')],
    ['utm_campaign', q.get('utm_campaign')],
    ['ref', q.get('ref')],
    ['ref', REDIRECT_PATH.exec(url.pathname)?.[1]],
  ];
}
