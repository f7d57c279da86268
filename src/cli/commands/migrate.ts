import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom, withStore } from '../context.js';
import { table } from '../output.js';

const ACTIONS = ['latest', 'up', 'down', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (the embedded store also migrates itself on first use)')
    .argument('[action]', `one of ${ACTIONS.join(', ')}`, 'latest')
    .addHelpText(
      'after',
      '\n  latest  apply every pending migration (default)\n  up      apply the next one\n  down    undo the last one\n  status  list migrations and when each ran',
    )
    .action(async (action: string, _opts: unknown, command: Command) => {
      if (!(ACTIONS as readonly string[]).includes(action))
        throw usage(`unknown migrate action ${JSON.stringify(action)}; use one of ${ACTIONS.join(', ')}`);
      const ctx = contextFrom(command);
      const { runMigrations } = await import('../../services/migrations.js');
      const result = await withStore(ctx, (store) => runMigrations(store.db, action as Action), { migrations: 'none' });
      if (action === 'status') {
        ctx.out.result(result.status, (c) =>
          table(
            ['migration', 'executed at'],
            result.status.map((m) => [m.name, m.executed_at ? m.executed_at.toISOString() : c.yellow('pending')]),
            c,
          ),
        );
      } else {
        ctx.out.result({ action, applied: result.applied, reverted: result.reverted, status: result.status }, (c) =>
          result.applied.length + result.reverted.length === 0
            ? 'Nothing to migrate: the database is up to date.'
            : [
                ...result.applied.map((n) => `${c.green('applied')}  ${n}`),
                ...result.reverted.map((n) => `${c.yellow('reverted')} ${n}`),
              ].join('\n'),
        );
      }
    });
}
