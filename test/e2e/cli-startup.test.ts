import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invokedCommand } from '../../src/cli/program.js';
import { BIN, runCli, runInProcess } from '../helpers/cli.js';

/**
 * The bundled CLI registers only the command it runs and lists the others from the build's
 * summaries (scripts/bundle-bin.mjs); the source tree registers them all. Both must print the same.
 */
describe('the bundled CLI, registering only the command it runs', () => {
  it('prints the same top-level help as the full program, on a pipe and into a file', async () => {
    const [built, full] = await Promise.all([runCli(['--help']), runInProcess(['--help'])]);
    expect(built.code).toBe(0);
    expect(built.stdout).toBe(full.stdout);
    expect(built.stdout).toContain('  link-creator [options]       link a TikTok creator');

    const file = join(mkdtempSync(join(tmpdir(), 'tracknow-help-')), 'help.txt');
    const fd = openSync(file, 'w');
    const run = spawnSync(process.execPath, [BIN, '--help'], {
      stdio: ['ignore', fd, 'pipe'],
      env: { ...process.env },
    });
    closeSync(fd);
    expect(run.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(full.stdout);
  });

  it('gives the same help for a command, asked either way, and the same usage errors', async () => {
    const cases = [
      ['deal', '--help'],
      ['help', 'merchant'],
      ['--database-url', 'postgres://x@127.0.0.1:1/none', 'merchant', 'add', '--help'],
      ['merchnt', 'list'],
      ['link-creator', '--nope'],
    ];
    for (const args of cases) {
      const [built, full] = await Promise.all([runCli(args), runInProcess(args)]);
      expect({ args, code: built.code, stdout: built.stdout, stderr: built.stderr }).toEqual({
        args,
        code: full.code,
        stdout: full.stdout,
        stderr: full.stderr,
      });
    }
  });
});

describe('invokedCommand', () => {
  const summaries = ['merchant', 'deal', 'help-me'].map((name) => ({ name, term: name, description: '' }));
  it("starts from code caches V8 accepts, the CLI's and Kysely's (a rejected cache compiles everything again)", () => {
    // In a fresh node, as the loader runs them: this process's flags (vitest's) would change V8's check.
    const check = `
      const { readFileSync } = require('node:fs');
      const vm = require('node:vm');
      const dir = ${JSON.stringify(join(BIN, '..'))};
      const out = {};
      for (const name of ['cli', 'kysely']) {
        const script = new vm.Script(readFileSync(dir + '/' + name + '.cjs', 'latin1'), {
          filename: dir + '/' + name + '.cjs',
          cachedData: readFileSync(dir + '/' + name + '.cache'),
        });
        out[name] = script.cachedDataRejected;
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', check], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ cli: false, kysely: false });
  });

  it('finds the first operand past the program options, or the command `help` asks about', () => {
    expect(invokedCommand(['merchant', 'list'], summaries)).toBe('merchant');
    expect(invokedCommand(['--json', '--database-url', 'deal', 'merchant'], summaries)).toBe('merchant');
    expect(invokedCommand(['--database-url=postgres://x', 'deal'], summaries)).toBe('deal');
    expect(invokedCommand(['help', 'deal'], summaries)).toBe('deal');
    expect(invokedCommand(['--', 'deal'], summaries)).toBe('deal');
    expect(invokedCommand(['--help'], summaries)).toBeUndefined();
    expect(invokedCommand(['help'], summaries)).toBeUndefined();
    expect(invokedCommand(['merchants'], summaries)).toBeUndefined();
    expect(invokedCommand([], summaries)).toBeUndefined();
  });
});
