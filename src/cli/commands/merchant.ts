import type { Command } from 'commander';
import { parseTikTokAffiliate } from '../../domain/platform-commission.js';
import { contextFrom, withDb } from '../context.js';
import { required } from '../prompt.js';
import { resolveSecrets, secretOption, type SecretFlag } from '../secret-flags.js';
import {
  attributionWindow,
  checked,
  currency,
  defined,
  domain,
  holdDays,
  httpUrl,
  id,
  isoTime,
  oneOf,
  percent,
} from '../flags.js';
import { table } from '../output.js';
import { detail, merchantView } from '../views.js';

interface MerchantFlags {
  name?: string;
  currency?: string;
  commissionRate?: string;
  holdDays?: string;
  storeUrl?: string;
  tiktokAppKey?: string;
  tiktokAppSecret?: string;
  tiktokShopId?: string;
  tiktokShopCipher?: string;
  tiktokAccessToken?: string;
  tiktokRefreshToken?: string;
  tiktokTokenExpiresAt?: string;
  shopifyDomain?: string;
  shopifySecret?: string;
  woocommerceSecret?: string;
  attributionWindow?: string;
  commissionBase?: string;
  tiktokAffiliate?: string;
}

/** The merchant flags that take a secret (each with a `-file` twin, `-` for stdin, a hidden prompt). */
const SECRET_FLAGS: readonly (SecretFlag & { description: string })[] = [
  { flag: '--tiktok-app-secret', label: 'TikTok app secret', description: 'TikTok Shop app secret (signs webhooks)' },
  { flag: '--tiktok-access-token', label: 'TikTok access token', description: 'TikTok Open API access token' },
  { flag: '--tiktok-refresh-token', label: 'TikTok refresh token', description: 'TikTok Open API refresh token' },
  { flag: '--shopify-secret', label: 'Shopify secret', description: 'Shopify webhook signing secret' },
  { flag: '--woocommerce-secret', label: 'WooCommerce secret', description: 'WooCommerce webhook secret' },
];

/** The flags with every secret resolved from argv, a file, stdin or a prompt. */
async function withSecrets(flags: MerchantFlags, ctx: ReturnType<typeof contextFrom>): Promise<MerchantFlags> {
  const secrets = await resolveSecrets(flags as Record<string, unknown>, SECRET_FLAGS, ctx.out);
  const plain = Object.fromEntries(Object.entries(flags).filter(([k]) => !/(Secret|Token)(File)?$/.test(k)));
  return { ...plain, ...secrets };
}

/** The flags `merchant add` and `merchant set` share. */
function merchantFlags(command: Command): Command {
  command
    .option('--currency <code>', 'ISO 4217 currency of the shop (add: default USD)', currency)
    .option('--commission-rate <percent>', 'commission in percent, 0 to 100 (add: default 15)', percent)
    .option('--hold-days <days>', 'days a sale is held before validation (add: default 14)', holdDays)
    .option('--store-url <url>', 'the shop front, where /r/CODE redirects by default', httpUrl)
    .option('--tiktok-app-key <key>', 'TikTok Shop app key')
    .option('--tiktok-shop-id <id>', 'TikTok shop id (webhooks from another shop are rejected)')
    .option('--tiktok-shop-cipher <cipher>', 'TikTok Open API shop cipher')
    .option('--tiktok-token-expires-at <iso8601>', 'when the access token expires', isoTime)
    .option('--shopify-domain <domain>', 'the shop domain, e.g. glow.myshopify.com', domain)
    .option(
      '--attribution-window <duration>',
      'how long a click can attribute an order, e.g. 30d, 7d, 48h (add: default 30d)',
      attributionWindow,
    )
    .option(
      '--commission-base <base>',
      'net (after discounts, without shipping and tax), with-tax or total (add: default net)',
      oneOf(['net', 'with-tax', 'total']),
    )
    .option(
      '--tiktok-affiliate <mode>',
      "when TikTok pays the creator itself: top-up (default, owe the deal less TikTok's), none, on-top",
      checked(parseTikTokAffiliate),
    );
  for (const spec of SECRET_FLAGS) secretOption(command, spec, spec.description);
  return command;
}

export function register(program: Command): void {
  const merchant = program.command('merchant').description('merchants and their platform credentials');

  merchantFlags(
    merchant.command('add').description('create a merchant').option('--name <name>', 'merchant name (required)'),
  ).action(async (flags: MerchantFlags, command: Command) => {
    const ctx = contextFrom(command);
    const name = await required(flags.name, '--name', 'Merchant name', ctx.out);
    const given = await withSecrets(flags, ctx);
    const { addMerchant } = await import('../../services/records/merchants.js');
    const created = await withDb(ctx, (db) =>
      addMerchant(db, { ...defined(given), name }, { encryptionKey: ctx.config.encryptionKey }),
    );
    const view = merchantView(created);
    ctx.out.result(view, (c) => `${c.green('created')} merchant ${c.bold(created.id)}\n${detail(view)}`);
  });

  merchantFlags(
    merchant
      .command('set')
      .description('change a merchant')
      .argument('<id>', 'merchant id', id)
      .option('--name <name>', 'merchant name'),
  ).action(async (id: string, flags: MerchantFlags, command: Command) => {
    const ctx = contextFrom(command);
    const given = await withSecrets(flags, ctx);
    const { updateMerchant } = await import('../../services/records/merchants.js');
    const updated = await withDb(ctx, (db) =>
      updateMerchant(db, id, defined(given), { encryptionKey: ctx.config.encryptionKey }),
    );
    const view = merchantView(updated);
    ctx.out.result(view, (c) => `${c.green('updated')} merchant ${c.bold(updated.id)}\n${detail(view)}`);
  });

  merchant
    .command('list')
    .description('list merchants')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { listMerchants } = await import('../../services/records/merchants.js');
      const merchants = (await withDb(ctx, listMerchants)).map(merchantView);
      ctx.out.result(merchants, (c) =>
        table(
          ['id', 'name', 'currency', 'rate %', 'hold', 'platforms'],
          merchants.map((m) => [
            m.id,
            m.name,
            m.currency,
            String(m.commission_rate),
            String(m.hold_days),
            platformsOf(m),
          ]),
          c,
        ),
      );
    });

  merchant
    .command('show')
    .description('show one merchant (secrets masked)')
    .argument('<id>', 'merchant id', id)
    .action(async (id: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { getMerchant } = await import('../../services/records/merchants.js');
      const view = merchantView(await withDb(ctx, (db) => getMerchant(db, id)));
      ctx.out.result(view, () => detail(view));
    });
}

function platformsOf(m: ReturnType<typeof merchantView>): string {
  const names = [
    m.tiktok_app_secret && 'tiktok',
    m.shopify_secret && 'shopify',
    m.woocommerce_secret && 'woocommerce',
  ].filter(Boolean);
  return names.join(',') || '-';
}
