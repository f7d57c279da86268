import { Command, type OutputConfiguration } from 'commander';
import { COMMAND_SUMMARIES, type CommandSummary } from './command-summaries.js';
import { register as migrate } from './commands/migrate.js';
import { register as merchant } from './commands/merchant.js';
import { register as influencer } from './commands/influencer.js';
import { register as linkCreator } from './commands/link-creator.js';
import { register as code } from './commands/code.js';
import { register as serve } from './commands/serve.js';
import { register as demo } from './commands/demo.js';
import { register as sendTestWebhook } from './commands/send-test-webhook.js';
import { register as events } from './commands/events.js';
import { register as validate } from './commands/validate.js';
import { register as payout } from './commands/payout.js';
import { register as balance } from './commands/balance.js';
import { register as sales } from './commands/sales.js';
import { register as schedule } from './commands/schedule.js';
import { register as backfill } from './commands/backfill.js';
import { register as tiktok } from './commands/tiktok.js';
import { register as reconcile } from './commands/reconcile.js';
import { register as endpoint } from './commands/endpoint.js';
import { register as notify } from './commands/notify.js';
import { register as statement } from './commands/statement.js';
import { register as report } from './commands/report.js';
import { register as secrets } from './commands/secrets.js';
import { register as jobs } from './commands/jobs.js';
import { register as deal } from './commands/deal.js';

/**
 * One module per command (group), each exporting `register(program)`, in the order help lists them.
 * Imported statically: the modules only declare options; each action imports its service and the
 * store lazily, so `--help` loads no database code. The build bundles all of this into one file.
 */
const COMMANDS: readonly ((program: Command) => void)[] = [
  migrate,
  merchant,
  influencer,
  linkCreator,
  code,
  serve,
  demo,
  sendTestWebhook,
  events,
  validate,
  payout,
  balance,
  sales,
  schedule,
  backfill,
  tiktok,
  reconcile,
  endpoint,
  notify,
  statement,
  report,
  secrets,
  jobs,
  deal,
];

/**
 * `output` routes commander's own messages (help, usage errors); set before the commands inherit it.
 * With `argv` and the build's summaries (the bundled CLI), only the command `argv` runs is
 * registered with its options; the others are listed from their summaries. Registering all of
 * them (some 250 options) was a quarter of `tracknow --help`'s start-up.
 */
export async function buildProgram(output: OutputConfiguration = {}, argv?: readonly string[]): Promise<Command> {
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
  const summaries = COMMAND_SUMMARIES;
  if (!argv || !summaries) {
    for (const register of COMMANDS) register(program);
    return program;
  }
  const wanted = invokedCommand(argv.slice(2), summaries);
  COMMANDS.forEach((register, i) => {
    const summary = summaries[i]!;
    if (summary.name === wanted) register(program);
    else program.command(summary.name).description(summary.description);
  });
  const terms = new Map(summaries.map((s) => [s.name, s.term]));
  const help = program.createHelp();
  program.configureHelp({
    subcommandTerm: (cmd) => (cmd.parent === program && terms.get(cmd.name())) || help.subcommandTerm(cmd),
  });
  return program;
}

/**
 * The top-level command `args` (the arguments after node and the script) runs, or that
 * `help <command>` asks about: the first operand, past the program's own options.
 */
export function invokedCommand(args: readonly string[], summaries: readonly CommandSummary[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--database-url')
      i++; // the program's one option that takes a value
    else if (!arg.startsWith('-')) operands.push(arg);
  }
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return summaries.some((s) => s.name === name) ? name : undefined;
}

/** Each command's summary, read off the full program: what the build puts in command-summaries.ts. */
export async function commandSummaries(): Promise<CommandSummary[]> {
  const program = await buildProgram();
  const help = program.createHelp();
  const commands = program.commands;
  if (commands.length !== COMMANDS.length) throw new Error('each register() must add exactly one top-level command');
  return commands.map((cmd) => ({
    name: cmd.name(),
    term: help.subcommandTerm(cmd),
    description: help.subcommandDescription(cmd),
  }));
}
