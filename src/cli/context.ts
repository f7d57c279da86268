import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../config.js';
import type { Store, OpenStoreOptions } from '../store/connect.js';
import type { Database } from '../store/schema.js';
import { Output, wantsColor } from './output.js';

/**
 * Where a run reads and writes: the process's own streams and environment unless a caller (an
 * in-process test) gives others, and optionally a store that is already open and migrated,
 * which commands then use instead of opening (and closing) one.
 */
export interface CliIo {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly store?: Store;
}

const IO = new WeakMap<Command, CliIo>();

/** Attaches `io` to the root program; every command's context reads it from there. */
export function bindIo(program: Command, io: CliIo): void {
  IO.set(program, io);
}

function ioOf(command: Command): CliIo {
  let root = command;
  while (root.parent) root = root.parent;
  return IO.get(root) ?? {};
}

/** What every command action gets: the resolved config and the output channel. */
export interface CommandContext {
  readonly config: Readonly<Config>;
  readonly out: Output;
  /** An open store handed in by the caller (tests); commands open their own otherwise. */
  readonly store?: Store;
}

interface GlobalFlags {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  databaseUrl?: string;
}

export function contextFrom(command: Command): CommandContext {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const io = ioOf(command);
  const config = loadConfig({ databaseUrl: flags.databaseUrl }, io.env);
  const stdout = io.stdout ?? process.stdout;
  const out = new Output(
    {
      json: Boolean(flags.json),
      verbose: Boolean(flags.verbose),
      color: wantsColor(stdout as NodeJS.WriteStream, config.noColor, flags.color),
    },
    stdout,
    io.stderr ?? process.stderr,
  );
  return { config, out, ...(io.store && { store: io.store }) };
}

/** Opens the store (lazily imported, so --help never loads database code), runs, closes. */
export async function withStore<T>(
  ctx: CommandContext,
  fn: (store: Store) => Promise<T>,
  options?: OpenStoreOptions,
): Promise<T> {
  if (ctx.store) return fn(ctx.store);
  const { withStore: run } = await import('../store/connect.js');
  return run(ctx.config, fn, options);
}

export async function withDb<T>(ctx: CommandContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return withStore(ctx, (store) => fn(store.db));
}
