import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** What only a real process shows: the exit status itself and the stdout/stderr split. */
describe('the binary exit codes', () => {
  const NO_DB = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

  it('0 for help, 2 for a bad flag value, 1 for an operational error', async () => {
    const [help, usage, down] = await Promise.all([
      runCli(['--help']),
      runCli(['merchant', 'add', '--name', 'X', '--commission-rate', '-5', '--json'], NO_DB),
      runCli(['merchant', 'list', '--json'], NO_DB),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 success, 1 operational error, 2 usage error.');
    expect({ code: usage.code, stdout: usage.stdout }).toEqual({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(/^error: option '--commission-rate <percent>' argument '-5' is invalid/);
    expect({ code: down.code, stdout: down.stdout }).toEqual({ code: 1, stdout: '' });
    expect(down.stderr).toMatch(/^error: cannot reach PostgreSQL/);
  });
});
