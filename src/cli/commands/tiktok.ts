import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { id, positiveInt } from '../flags.js';
import { required } from '../prompt.js';

export function register(program: Command): void {
  const tiktok = program
    .command('tiktok')
    .description('TikTok Shop Open API: authorization and order-detail enrichment');

  tiktok
    .command('auth')
    .description(
      'exchange an authorization code for tokens and look up the shop cipher (tokens are stored, never printed)',
    )
    .option('--merchant <id>', 'merchant id (required)', id)
    .option('--code <code>', "the code TikTok adds to the app's redirect URL when the seller authorizes it (required)")
    .action(async (flags: { merchant?: string; code?: string }, command: Command) => {
      const ctx = contextFrom(command);
      const merchantId = await required(flags.merchant, '--merchant', 'Merchant id', ctx.out);
      const code = await required(flags.code, '--code', 'Authorization code', ctx.out);
      const { authorizeTikTok } = await import('../../services/tiktok/tiktok-auth.js');
      const result = await withDb(ctx, (db) => authorizeTikTok(db, ctx.config, { merchantId, code }));
      if (result.shop_cipher === null) {
        ctx.out.warn(
          `the token grants ${result.shops.length} shops; choose one with \`tracknow merchant set ${merchantId} --tiktok-shop-id ID\` (the cipher is looked up on the next API call)`,
        );
      }
      ctx.out.result(result, (c) =>
        [
          `${c.green('authorized')} merchant ${c.bold(result.merchant_id)}`,
          `access token expires ${result.access_token_expires_at.toISOString()}`,
          `shop cipher ${result.shop_cipher ?? '-'}`,
        ].join('\n'),
      );
    });

  tiktok
    .command('enrich')
    .description(
      'fetch order details for queued notifications that carry no amounts, until none is due (serve does this in the background)',
    )
    .option('--merchant <id>', 'only this merchant', id)
    .option('--limit <n>', 'rows per round', positiveInt(500), '50')
    .action(async (flags: { merchant?: string; limit: string }, command: Command) => {
      const ctx = contextFrom(command);
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
        throw usage(`--limit must be 1-500, got ${flags.limit}`);
      const { drainEnrichment } = await import('../../services/tiktok/tiktok-enrich.js');
      const summary = await withDb(ctx, (db) => drainEnrichment(db, ctx.config, { merchantId: flags.merchant, limit }));
      ctx.out.result(summary, (c) =>
        summary.claimed === 0
          ? c.dim('nothing due')
          : `${c.green(String(summary.enriched))} enriched, ${summary.retried} to retry, ${summary.failed} failed (see \`tracknow events list --status enriching\`)`,
      );
    });
}
