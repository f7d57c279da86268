#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from '../src/cli/program.js';
import { loadConfig } from '../src/config.js';
import { TracknowError, exitCodeFor } from '../src/errors.js';

/** Parses, runs, and turns errors into exit codes: 2 usage, 1 everything else. */
async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const color = !argv.includes('--no-color') && !loadConfig().noColor && process.stderr.isTTY;
  const prefix = color ? '\u001b[31merror:\u001b[39m' : 'error:';
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or "error: …").
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof TracknowError) {
      process.stderr.write(`${prefix} ${err.message}\n`);
      if (verbose && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
      return exitCodeFor(err);
    }
    const message = (err as Error)?.message ?? String(err);
    process.stderr.write(`${prefix} ${message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}\n`);
    if (verbose) process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
