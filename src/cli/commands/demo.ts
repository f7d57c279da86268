import type { Command } from 'commander';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { contextFrom } from '../context.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description("run tracknow's main job end to end on the embedded store, narrating each step")
    .option(
      '--home <dir>',
      'where to keep the demo store (default: $TRACKNOW_HOME if set, else a fresh temporary folder)',
    )
    .action(async (flags: { home?: string }, command: Command) => {
      const ctx = contextFrom(command);
      const home =
        flags.home ?? (ctx.config.homeFromEnv ? ctx.config.home : await mkdtemp(join(tmpdir(), 'tracknow-demo-')));
      // The demo always runs on the embedded store, whatever DATABASE_URL says.
      const config: Config = Object.freeze({ ...ctx.config, home, databaseUrl: undefined });
      const { out } = ctx;
      const { runDemo } = await import('../../app/demo.js');
      out.info(out.c.dim(`Opening the embedded store in ${home} (the first open creates and migrates it)…`));
      const summary = await runDemo(config, {
        step: (index, title) => out.info(`${out.c.cyan(`${index}.`)} ${out.c.bold(title)}`),
        done: (detail) => out.info(`   ${detail}`),
      });
      ctx.out.result(
        summary,
        (c) =>
          `\n${c.green('Demo complete.')} Store kept in ${home}\nTry: TRACKNOW_HOME=${home} npx tracknow merchant list`,
      );
    });
}
