import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';

export function register(program: Command): void {
  const secrets = program.command('secrets').description('platform secrets and tokens at rest');
  secrets
    .command('encrypt')
    .description('encrypt the stored platform secrets and tokens written before TRACKNOW_ENCRYPTION_KEY was set')
    .option('--dry-run', 'count what would be encrypted; write nothing')
    .addHelpText(
      'after',
      `
Needs TRACKNOW_ENCRYPTION_KEY (base64 of 32 bytes, e.g. from \`openssl rand -base64 32\`).
Values are sealed with AES-256-GCM and the key's id; re-running changes nothing.
Every process that reads secrets (serve, send-test-webhook, reconcile, tiktok auth) then needs the key.
  --json: {key_id, merchants, encrypted, already, dry_run}`,
    )
    .action(async (flags: { dryRun?: boolean }, command: Command) => {
      const ctx = contextFrom(command);
      const { encryptSecrets } = await import('../../services/records/secrets.js');
      const summary = await withDb(ctx, (db) =>
        encryptSecrets(db, ctx.config.encryptionKey, { dryRun: Boolean(flags.dryRun) }),
      );
      ctx.out.result(
        summary,
        (c) =>
          `${summary.dry_run ? c.yellow('dry run:') + ' would encrypt' : c.green('encrypted')} ${summary.encrypted} value(s) of ${summary.merchants} merchant(s) with key ${summary.key_id}` +
          (summary.already ? `; ${summary.already} already encrypted` : ''),
      );
    });
}
