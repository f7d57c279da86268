import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli as run } from '../../src/cli/run.js';
import type { Store } from '../../src/store/connect.js';

export const BIN = fileURLToPath(new URL('../../dist/bin/tracknow.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws if it is not exactly one document). */
  json<T = any>(): T;
}

/** Spawns the built binary, as a user would, with no TTY. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json: () => JSON.parse(stdout),
      }),
    );
    child.stdin.end(input ?? '');
  });
}

/**
 * Runs the program in this process, as `runCli` would spawn it: the same argv handling, exit code
 * and stdout/stderr split, without a process per call. With `store`, commands use that open,
 * migrated store instead of opening one (and the lock) themselves.
 */
export async function runInProcess(
  args: string[],
  env: Record<string, string> = {},
  store?: Store,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await run(['node', 'tracknow', ...args], {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { ...process.env, NO_COLOR: '1', ...env },
    ...(store && { store }),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
