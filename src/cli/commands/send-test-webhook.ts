import { Option, type Command } from 'commander';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { contextFrom, withDb } from '../context.js';
import { amount, currency, defined, httpUrl, id, payloadShape } from '../flags.js';
import { toJson } from '../output.js';
import { required } from '../prompt.js';
import { resolveSecrets, secretOption } from '../secret-flags.js';

const SECRET = { flag: '--secret', label: 'webhook secret' } as const;

interface SendFlags {
  platform?: string;
  merchant?: string;
  url: string;
  event?: string;
  shape?: string;
  orderId?: string;
  amount?: string;
  currency?: string;
  status?: string;
  creatorId?: string;
  code?: string;
  utmSource?: string;
  buyerMessage?: string;
  testOrder?: boolean;
  secret?: string;
  appKey?: string;
  fromFile?: string;
  dryRun?: boolean;
  listEvents?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('send-test-webhook')
    .description(
      'send a signed test webhook to a running listener, exactly as the platform would (like `stripe trigger`)',
    )
    .addOption(
      new Option('--platform <platform>', 'tiktok, shopify or woocommerce (required)').choices([
        'tiktok',
        'shopify',
        'woocommerce',
      ]),
    )
    .option('--merchant <id>', 'merchant id: its route, and its stored secret (required)', id)
    .option('--url <url>', 'the listener', httpUrl, 'http://127.0.0.1:8001')
    .option(
      '--event <name>',
      'which event (default: the first; see --list-events), e.g. orders/create, order.updated, cancelled',
    )
    .option(
      '--shape <shape>',
      'TikTok payload shape: simple (default: status, amount and creator in one body) or notification (the real envelope)',
      payloadShape,
    )
    .option('--order-id <id>', 'order id (default: random)')
    .option(
      '--amount <major>',
      'merchandise amount in major units, e.g. 125.50 (refunds/create: the refunded amount)',
      amount,
    )
    .option('--currency <code>', 'ISO 4217 currency of the amount', currency)
    .option('--status <status>', "the platform's own status, e.g. 111, AWAITING_SHIPMENT, refunded, cancelled")
    .option('--creator-id <cid>', 'TikTok creator id')
    .option('--code <code>', 'promo / discount / coupon code')
    .option('--utm-source <code>', 'utm_source of the visit')
    .option('--buyer-message <text>', 'buyer message or order note (TRACK:CODE)')
    .option('--test-order', 'Shopify: send a test order (test: true), which is stored but never earns')
    .option('--app-key <key>', 'TikTok app key, with --secret (the signature covers it)')
    .option('--from-file <file>', 'send this payload byte for byte (a captured event), signed')
    .option('--dry-run', 'print the request (method, url, headers, body) as JSON; send nothing')
    .option('--list-events', "list the platform's test events and exit");
  secretOption(command, SECRET, "sign with this instead of the merchant's stored secret (no database needed)")
    .addHelpText(
      'after',
      `
Events come from the JSON templates beside each adapter (src/platforms/*/templates/).
Exit 1 when the listener answers non-2xx or cannot be reached; the message says why.
Examples:
  tracknow send-test-webhook --platform tiktok --merchant ID
  tracknow send-test-webhook --platform shopify --merchant ID --event orders/create --code ABC12345 --amount 80.00 --currency EUR
  tracknow send-test-webhook --platform woocommerce --merchant ID --secret-file wc.secret --dry-run`,
    )
    .action(async (flags: SendFlags, command: Command) => {
      const ctx = contextFrom(command);
      const platform = await required(flags.platform, '--platform', 'Platform (tiktok, shopify, woocommerce)', ctx.out);
      if (flags.listEvents) return listEvents(ctx, platform);
      const merchantId = await required(flags.merchant, '--merchant', 'Merchant id', ctx.out);
      const { buildTestRequest, requestView, sendTestRequest, rejection } =
        await import('../../services/send-test/send-test.js');
      const { secret } = await resolveSecrets(flags as unknown as Record<string, unknown>, [SECRET], ctx.out);
      // Every other flag fills the payload; the secret is the one resolved above.
      const { platform: _p, merchant: _m, url, dryRun, listEvents: _l, secret: _s, ...fills } = flags;
      const source = {
        encryptionKey: ctx.config.encryptionKey,
        withDb: <T>(fn: (db: Kysely<Database>) => Promise<T>) => withDb(ctx, fn),
      };
      const req = await buildTestRequest(source, { ...defined({ ...fills, secret }), platform, merchantId, url });
      if (dryRun) {
        const view = requestView(req);
        return ctx.out.result(view, () => toJson(view));
      }
      const result = await sendTestRequest(req);
      const view = {
        platform: req.platform,
        event: req.event,
        shape: req.shape,
        order_id: req.orderId,
        url: req.url,
        status: result.status,
        ok: result.ok,
        duration_ms: result.durationMs,
        response: result.response,
      };
      ctx.out.result(view, (c) => {
        const status = result.ok ? c.green(String(result.status)) : c.red(String(result.status));
        const what = [req.event, req.shape && `(${req.shape})`, req.orderId && `order ${req.orderId}`]
          .filter(Boolean)
          .join(' ');
        const body = typeof result.response === 'string' ? result.response : toJson(result.response);
        return `${status} in ${result.durationMs} ms  ${req.method} ${req.url}\n${c.dim(what)}\n${body}`;
      });
      const error = rejection(result, merchantId);
      if (error) throw error;
    });
}

async function listEvents(ctx: ReturnType<typeof contextFrom>, platform: string): Promise<void> {
  const { getTestEvents } = await import('../../platforms/test-events.js');
  const kit = getTestEvents(platform);
  const rows = kit.templates.map((t) => ({ event: t.event, shape: t.shape ?? null, description: t.description }));
  ctx.out.result(rows, () =>
    rows.map((r) => `${r.event}${r.shape ? ` (${r.shape})` : ''}\n    ${r.description}`).join('\n'),
  );
}
