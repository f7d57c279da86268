/** The events a notification can report, in the order the outbox documents them. */
export const NOTIFICATION_EVENTS = [
  'sale.created',
  'sale.cancelled',
  'sale.validated',
  'sale.reversed',
  'payout.created',
  'payout.returned',
] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

export function isNotificationEvent(name: string): name is NotificationEventName {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(name);
}

/** What one attempt at one receiver came to. */
export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'fail'; readonly error: string };

/**
 * An HTTP answer as Standard Webhooks senders read it: 2xx delivered; 408 and 429 are the
 * receiver asking for later; any other 4xx will not change by resending; 5xx, and anything
 * odd (1xx, a redirect we do not follow), is retried.
 */
export function classifyHttpStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const error = `HTTP ${status}`;
  if (status === 408 || status === 429) return { kind: 'retry', error };
  if (status >= 400 && status < 500) return { kind: 'fail', error };
  return { kind: 'retry', error };
}

/** Only http(s) receivers, with a host; returns the normalised URL or a reason. */
export function checkReceiverUrl(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: `not a URL: ${JSON.stringify(text)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: `only http and https URLs are accepted, got ${url.protocol.replace(/:$/, '')}` };
  if (url.hostname === '') return { ok: false, reason: 'the URL has no host' };
  return { ok: true, url: url.href };
}
