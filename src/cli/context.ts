import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../config.js';
import type { Store, OpenStoreOptions } from '../store/connect.js';
import type { Database } from '../store/schema.js';
import { Output, wantsColor } from './output.js';

/** What every command action gets: the resolved config and the output channel. */
export interface CommandContext {
  readonly config: Readonly<Config>;
  readonly out: Output;
}

interface GlobalFlags {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  databaseUrl?: string;
}

export function contextFrom(command: Command): CommandContext {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const config = loadConfig({ databaseUrl: flags.databaseUrl });
  const out = new Output({
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
    color: wantsColor(process.stdout, config.noColor, flags.color),
  });
  return { config, out };
}

/** Opens the store (lazily imported, so --help never loads database code), runs, closes. */
export async function withStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>, options?: OpenStoreOptions): Promise<T> {
  const { withStore: run } = await import('../store/connect.js');
  return run(ctx.config, fn, options);
}

export async function withDb<T>(ctx: CommandContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return withStore(ctx, (store) => fn(store.db));
}
