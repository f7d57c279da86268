import { Command, type OutputConfiguration } from 'commander';

/** One module per command (group); each exports `register(program)`. Imported lazily by name. */
const COMMANDS = [
  'migrate',
  'merchant',
  'influencer',
  'link-creator',
  'code',
  'serve',
  'demo',
  'send-test-webhook',
  'events',
  'validate',
  'payout',
  'balance',
  'sales',
  'schedule',
  'backfill',
  'tiktok',
  'reconcile',
  'endpoint',
  'notify',
  'statement',
  'report',
  'secrets',
  'jobs',
  'deal',
] as const;

/** `output` routes commander's own messages (help, usage errors); set before the commands inherit it. */
export async function buildProgram(output: OutputConfiguration = {}): Promise<Command> {
  const program = new Command('tracknow')
    .description(
      'Proves which influencer made each sale and pays them for it: webhooks, attribution, commissions, ledger, payouts.',
    )
    .version('0.1.0')
    .option('--json', 'print exactly one JSON document on stdout (logs go to stderr)')
    .option('--verbose', 'show stack traces and more detail on errors')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('--database-url <url>', 'PostgreSQL connection string (default: DATABASE_URL, else the embedded store)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str), ...output });
  program.addHelpText(
    'after',
    `
Environment:
  DATABASE_URL     PostgreSQL connection string; unset: the embedded store
  TRACKNOW_HOME    where the embedded store and local state live (default ~/.tracknow)
  NO_COLOR         no colour in any output
  TRACKNOW_TIKTOK_API_URL, TRACKNOW_TIKTOK_AUTH_URL   TikTok Shop Open API bases
  TRACKNOW_SMTP_URL, TRACKNOW_SMTP_FROM               SMTP for notification emails
  TRACKNOW_SEPA_DEBTOR_NAME, _IBAN, _BIC              the paying account in SEPA files
  TRACKNOW_TRUSTED_PROXIES   addresses or CIDRs whose X-Forwarded-For/-Proto are believed
  TRACKNOW_ENCRYPTION_KEY    base64 of 32 bytes: store platform secrets and tokens encrypted

Exit codes: 0 success, 1 operational error, 2 usage error.`,
  );
  for (const name of COMMANDS) {
    const mod = (await import(/* @vite-ignore */ `./commands/${name}.js`)) as { register(program: Command): void };
    mod.register(program);
  }
  return program;
}
