import { CommanderError, type OutputConfiguration } from 'commander';
import { loadConfig } from '../config.js';
import { TracknowError, exitCodeFor } from '../errors.js';
import { bindIo, type CliIo } from './context.js';
import { flagHint } from './flags.js';
import { buildProgram } from './program.js';
import { isPlainFd, writeFd } from './stdio.js';

export type { CliIo };

/**
 * Parses `argv` (as `process.argv`: node, script, then the arguments), runs the command and
 * turns errors into an exit code: 2 usage, 1 everything else. Never calls `process.exit`, so
 * tests run it in-process with their own streams and store.
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const stderr = () => io.stderr ?? process.stderr;
  const verbose = argv.includes('--verbose');
  const write = (text: string) => void stderr().write(text);
  try {
    const program = await buildProgram(commanderOutput(io), argv);
    bindIo(program, io);
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or "error: …").
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return 2;
    }
    const color = !argv.includes('--no-color') && !noColorIn(io.env) && Boolean((stderr() as NodeJS.WriteStream).isTTY);
    const prefix = color ? '\u001b[31merror:\u001b[39m' : 'error:';
    if (err instanceof TracknowError) {
      write(`${prefix} ${flagHint(err)}\n`);
      if (verbose && err.cause) write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
      return exitCodeFor(err);
    }
    const message = (err as Error)?.message ?? String(err);
    write(`${prefix} ${message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}\n`);
    if (verbose) write(`${String((err as Error)?.stack ?? err)}\n`);
    return 1;
  }
}

/**
 * Where commander writes help, version and usage errors: the streams a test passed, else stdout
 * and stderr written directly when they are a pipe or a file (src/cli/stdio.ts), else Node's streams.
 */
function commanderOutput(io: CliIo): OutputConfiguration {
  const out: OutputConfiguration = {};
  if (io.stdout) out.writeOut = (str) => void io.stdout!.write(str);
  else if (isPlainFd(1)) {
    out.writeOut = (str) => writeFd(1, str);
    out.getOutHelpWidth = () => 80; // commander's width for anything but a terminal
    out.getOutHasColors = () => false; // tracknow's help has no colour to keep
  }
  if (io.stderr) out.writeErr = (str) => void io.stderr!.write(str);
  else if (isPlainFd(2)) {
    out.writeErr = (str) => writeFd(2, str);
    out.getErrHelpWidth = () => 80;
    out.getErrHasColors = () => false;
  }
  return out;
}

/** NO_COLOR, read without failing: a bad setting elsewhere in the environment is reported as an error, in its turn. */
function noColorIn(env: CliIo['env']): boolean {
  try {
    return loadConfig({}, env).noColor;
  } catch {
    return false;
  }
}
