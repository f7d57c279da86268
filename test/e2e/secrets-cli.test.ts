import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult } from '../helpers/cli.js';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';

const KEY = randomBytes(32).toString('base64');
const OTHER_KEY = randomBytes(32).toString('base64');

/** Spawns the binary and returns its argv as the process list shows it, read while it waits on its secret. */
function spawnWaiting(
  args: string[],
  env: Record<string, string>,
): { cmdline: () => Promise<string>; done: Promise<CliResult>; stdin: NodeJS.WritableStream } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) })),
  );
  const cmdline = async () => {
    for (let n = 0; n < 200; n++) {
      try {
        const text = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
        if (text.includes('tracknow')) return text.replaceAll('\0', ' ');
      } catch {
        // not started yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the process never showed up in /proc');
  };
  return { cmdline, done, stdin: child.stdin };
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

for (const backend of BACKENDS) {
  describe(`secrets out of argv and out of the database [${backend}]`, () => {
    let target: CliTarget;
    // In-process on the shared store; only what needs a real process (argv in /proc, stdin) spawns.
    const cli = (args: string[], extra: Record<string, string> = {}) => target.run(args, extra);
    const secretFile = async (name: string, value: string) => {
      const path = join(target.home, name);
      await writeFile(path, `${value}\n`, { mode: 0o600 });
      return path;
    };

    beforeAll(async () => {
      target = await createCliTarget(backend);
    });
    afterAll(async () => target.cleanup());

    it('a secret from a file (a FIFO the test holds shut) or from stdin never appears in the process list', async () => {
      await target.release(); // the spawned processes open the store themselves
      const fifo = join(target.home, 'shopify.fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const secret = `shpss_fifo_${randomBytes(8).toString('hex')}`;
      const run = spawnWaiting(
        ['merchant', 'add', '--json', '--name', 'Fifo Shop', '--shopify-secret-file', fifo],
        target.env,
      );
      const argv = await run.cmdline();
      expect(argv).toContain('--shopify-secret-file');
      expect(argv).not.toContain(secret);
      // Still waiting on the FIFO: only now does the secret exist anywhere but in this test.
      const writer = await open(fifo, 'w');
      await writer.write(`${secret}\n`);
      await writer.close();
      const added = await run.done;
      expect(added.code, added.stderr).toBe(0);
      expect(added.stderr).toBe('');
      expect(added.json().shopify_secret).toBe(`****${secret.slice(-4)}`);

      const token = `wc_whsec_stdin_${randomBytes(8).toString('hex')}`;
      const set = spawnWaiting(['merchant', 'set', added.json().id, '--json', '--woocommerce-secret', '-'], target.env);
      const argv2 = await set.cmdline();
      expect(argv2).toContain('--woocommerce-secret -');
      expect(argv2).not.toContain(token);
      set.stdin.end(`${token}\n`);
      const updated = await set.done;
      expect(updated.code, updated.stderr).toBe(0);
      expect(updated.json().woocommerce_secret).toBe(`****${token.slice(-4)}`);
    }, 300_000);

    it('a literal secret still works but warns; a bare flag without a TTY is a usage error naming the other ways', async () => {
      const literal = await cli([
        'merchant',
        'add',
        '--json',
        '--name',
        'Literal',
        '--tiktok-app-secret',
        'tts_literal_0123456789',
      ]);
      expect(literal.code).toBe(0);
      expect(literal.stderr).toMatch(
        /^warning: --tiktok-app-secret given on the command line shows in `ps` and shell history/,
      );
      expect(literal.stderr + literal.stdout).not.toContain('tts_literal_0123456789');
      const bare = await cli(['merchant', 'add', '--name', 'Bare', '--shopify-secret']);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toMatch(
        /^error: --shopify-secret needs a value: pass - to read it from stdin, or --shopify-secret-file PATH/,
      );
      // Refused before stdin is read.
      const both = await cli([
        'merchant',
        'add',
        '--name',
        'Both',
        '--shopify-secret',
        '-',
        '--woocommerce-secret',
        '-',
      ]);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/only one secret can come from stdin/);
      const empty = await cli([
        'merchant',
        'add',
        '--name',
        'Empty',
        '--shopify-secret-file',
        await secretFile('empty', ''),
      ]);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/gave an empty secret/);
    }, 300_000);

    it('with TRACKNOW_ENCRYPTION_KEY, stored secrets are in neither a pg_dump nor the PGlite files; a wrong or missing key is a clear error', async () => {
      const keyed = { TRACKNOW_ENCRYPTION_KEY: KEY };
      const plain = {
        tiktok: `tts_enc_${randomBytes(8).toString('hex')}`,
        shopify: `shpss_enc_${randomBytes(8).toString('hex')}`,
        woo: `wc_whsec_enc_${randomBytes(8).toString('hex')}`,
      };
      const add = await cli(
        [
          'merchant',
          'add',
          '--json',
          '--name',
          'Sealed',
          '--tiktok-app-key',
          'ak1',
          '--tiktok-app-secret-file',
          await secretFile('t', plain.tiktok),
          '--shopify-secret-file',
          await secretFile('s', plain.shopify),
          '--woocommerce-secret-file',
          await secretFile('w', plain.woo),
        ],
        keyed,
      );
      expect(add.code, add.stderr).toBe(0);
      const merchant = add.json();
      expect(merchant).toMatchObject({
        shopify_secret: '****(encrypted)',
        woocommerce_secret: '****(encrypted)',
        tiktok_app_secret: '****(encrypted)',
      });

      // The secret still signs: send-test-webhook opens it with the key.
      const dry = await cli(
        ['send-test-webhook', '--json', '--platform', 'shopify', '--merchant', merchant.id, '--dry-run'],
        keyed,
      );
      expect(dry.code, dry.stderr).toBe(0);
      const req = dry.json();
      expect(req.headers['X-Shopify-Hmac-Sha256']).toBe(
        createHmac('sha256', plain.shopify).update(req.body).digest('base64'),
      );
      const missing = await cli(['send-test-webhook', '--platform', 'shopify', '--merchant', merchant.id, '--dry-run']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(
        /^error: shopify_secret of merchant \S+ is stored encrypted \(key id [0-9a-f]{8}\): set TRACKNOW_ENCRYPTION_KEY/,
      );
      const wrong = await cli(['send-test-webhook', '--platform', 'shopify', '--merchant', merchant.id, '--dry-run'], {
        TRACKNOW_ENCRYPTION_KEY: OTHER_KEY,
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /was encrypted with key id [0-9a-f]{8}, but TRACKNOW_ENCRYPTION_KEY has key id [0-9a-f]{8}/,
      );
      const bad = await cli(['merchant', 'list'], { TRACKNOW_ENCRYPTION_KEY: 'c2hvcnQ=' });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/TRACKNOW_ENCRYPTION_KEY must be base64 of 32 bytes/);

      await target.release(); // PGlite: its files as they rest on disk
      const stored = await storedBytes(target);
      for (const value of Object.values(plain)) expect(stored.includes(value), value).toBe(false);
      expect(stored.includes('tnenc:v1:')).toBe(true); // the grep does see the stored values
    }, 300_000);

    it('secrets encrypt seals the rows written before the key, once; the listener-facing reads still verify', async () => {
      const early = `shpss_early_${randomBytes(8).toString('hex')}`;
      const add = await cli([
        'merchant',
        'add',
        '--json',
        '--name',
        'Early',
        '--shopify-secret-file',
        await secretFile('e', early),
      ]);
      expect(add.code, add.stderr).toBe(0);
      const noKey = await cli(['secrets', 'encrypt']);
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/TRACKNOW_ENCRYPTION_KEY is not set/);
      const dry = await cli(['secrets', 'encrypt', '--json', '--dry-run'], { TRACKNOW_ENCRYPTION_KEY: KEY });
      expect(dry.json()).toMatchObject({ dry_run: true });
      expect(dry.json().encrypted).toBeGreaterThan(0);
      const run = await cli(['secrets', 'encrypt', '--json'], { TRACKNOW_ENCRYPTION_KEY: KEY });
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ encrypted: dry.json().encrypted, dry_run: false });
      const again = await cli(['secrets', 'encrypt', '--json'], { TRACKNOW_ENCRYPTION_KEY: KEY });
      expect(again.json()).toMatchObject({ encrypted: 0, already: run.json().encrypted + run.json().already });
      const other = await cli(['secrets', 'encrypt'], { TRACKNOW_ENCRYPTION_KEY: OTHER_KEY });
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/was encrypted with key id/);
      const signed = await cli(
        ['send-test-webhook', '--json', '--platform', 'shopify', '--merchant', add.json().id, '--dry-run'],
        { TRACKNOW_ENCRYPTION_KEY: KEY },
      );
      const req = signed.json();
      expect(req.headers['X-Shopify-Hmac-Sha256']).toBe(createHmac('sha256', early).update(req.body).digest('base64'));
      if (backend === 'postgres') expect((await storedBytes(target)).includes(early)).toBe(false);
    }, 300_000);
  });
}

/** What an attacker with the database's files would read: a pg_dump, or every file of the PGlite data directory. */
async function storedBytes(target: CliTarget): Promise<Buffer> {
  if (target.backend === 'postgres') {
    const dump = spawnSync('pg_dump', ['--data-only', target.env.DATABASE_URL!], { maxBuffer: 1 << 28 });
    if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr.toString()}`);
    return dump.stdout;
  }
  return Buffer.concat(filesUnder(join(target.home, 'db')).map((f) => readFileSync(f)));
}
