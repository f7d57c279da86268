import { formatMajorForPeople } from './notify-money.js';
import { isRecord, webhookData, type OutboxEntry, type RenderContext } from './notify-render.js';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What an email says: a greeting line, a sentence, then labelled facts. */
interface Letter {
  readonly subject: string;
  readonly lead: string;
  readonly facts: readonly (readonly [label: string, value: string | undefined])[];
}

const PLATFORMS: Record<string, string> = { tiktok: 'TikTok Shop', shopify: 'Shopify', woocommerce: 'WooCommerce' };
const METHODS: Record<string, string> = {
  sepa: 'SEPA transfer',
  paypal: 'PayPal',
  bank: 'bank transfer',
  manual: 'manual payment',
};

/** A short plain-text and HTML message for the influencer, money formatted for people. */
export function renderEmail(entry: OutboxEntry, ctx: RenderContext = {}): EmailContent {
  const letter = compose(entry.event, webhookData(entry, ctx), ctx);
  const hello = ctx.influencerName ? `Hi ${ctx.influencerName},` : 'Hello,';
  const facts = letter.facts.filter((f): f is readonly [string, string] => f[1] !== undefined && f[1] !== '');
  const width = Math.max(0, ...facts.map(([label]) => label.length));
  const text = [
    hello,
    '',
    letter.lead,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${value}`),
    '',
    '— tracknow',
    '',
  ].join('\n');
  const rows = facts
    .map(
      ([label, value]) =>
        `<tr><th align="left" style="padding-right:1em">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html><html><body><p>${escapeHtml(hello)}</p><p>${escapeHtml(letter.lead)}</p><table>${rows}</table><p>— tracknow</p></body></html>`;
  return { subject: letter.subject, text, html };
}

function compose(event: string, d: Record<string, unknown>, ctx: RenderContext): Letter {
  const money = (amount: unknown) => formatMajorForPeople(amount, d.currency);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const merchant = ctx.merchantName ?? str(d.merchant_id);
  const order = str(d.order_id);
  const commission = money(d.commission);
  const saleFacts = [
    ['Merchant', merchant],
    ['Platform', PLATFORMS[String(d.platform)] ?? str(d.platform)],
    ['Order', order],
    ['Amount', money(d.amount)],
    ['Commission', commission],
    ['Attributed by', str(d.attribution)?.replaceAll('_', ' ')],
  ] as const;
  switch (event) {
    case 'sale.created':
      return {
        subject: commission ? `New sale: ${commission} commission` : 'New sale attributed to you',
        lead: commission
          ? `A sale was attributed to you. Your commission of ${commission} is pending until the merchant's hold period ends.`
          : 'A sale was attributed to you. Its amount is not known yet; the commission follows once it is.',
        facts: saleFacts,
      };
    case 'sale.cancelled':
      return {
        subject: `Sale cancelled${order ? `: order ${order}` : ''}`,
        lead: `The order was cancelled or refunded before validation, so ${commission ? `its commission of ${commission}` : 'no commission'} will not be credited.`,
        facts: saleFacts,
      };
    case 'sale.reversed':
      return {
        subject: `Sale refunded${commission ? `: ${commission} commission reversed` : ''}`,
        lead: 'The order was refunded after validation, so its commission is taken back from your balance.',
        facts: saleFacts,
      };
    case 'sale.validated':
      return validated(d);
    case 'payout.created': {
      const amount = money(d.amount);
      return {
        subject: amount ? `Payout on its way: ${amount}` : 'Payout on its way',
        lead: `A payout${amount ? ` of ${amount}` : ''} has been created for you.`,
        facts: [
          ['Amount', amount],
          ['Method', METHODS[String(d.method)] ?? str(d.method)],
          ['Reference', str(d.reference)],
        ],
      };
    }
    case 'payout.returned': {
      const amount = money(d.amount);
      return {
        subject: amount ? `Payout returned: ${amount} is back on your balance` : 'Payout returned',
        lead: `The bank sent a payout${amount ? ` of ${amount}` : ''} back, so it is available again and will go out with the next payout run. Please check your payout details.`,
        facts: [
          ['Amount', amount],
          ['Reason', str(d.reason)],
          ['Reference', str(d.reference)],
        ],
      };
    }
    default:
      return { subject: `tracknow: ${event}`, lead: `Something changed: ${event}.`, facts: [] };
  }
}

/** `sale.validated` carries per-currency lists of exact decimal strings. */
function validated(d: Record<string, unknown>): Letter {
  const list = (v: unknown) =>
    (Array.isArray(v) ? v : [])
      .filter(isRecord)
      .map((x) => formatMajorForPeople(x.amount, x.currency))
      .filter((s): s is string => s !== undefined)
      .join(', ') || undefined;
  const credited = list(d.credited);
  const sales = typeof d.sales === 'number' ? d.sales : undefined;
  return {
    subject: credited ? `Commission credited: ${credited}` : 'Commission credited',
    lead: `${sales === undefined ? 'Your sales' : sales === 1 ? '1 sale' : `${sales} sales`} passed the hold period and ${sales === 1 ? 'was' : 'were'} credited to your balance.`,
    facts: [
      ['Credited', credited],
      ['Available balance', list(d.available)],
    ],
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
