import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of our own, so a test can stop, crash and restart "the database" without
 * touching the machine's shared server that every other test uses. initdb and the server run as
 * the `postgres` user (we run as root, which PostgreSQL refuses); trust auth on 127.0.0.1 only.
 */
export interface PrivatePg {
  readonly port: number;
  /** The cluster's `tracknow` database (created by `start`'s first call). */
  readonly url: string;
  /** Starts (or restarts) the server; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `fast`: a clean shutdown that ends every session; `immediate`: a crash (no checkpoint, WAL recovery on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOPs the postmaster and every backend: a hung server (or a partition) that accepts but never answers. */
  freeze(): void;
  /** SIGCONTs them: the server carries on where it stopped. */
  thaw(): void;
  /** Stops the server if it runs and deletes the cluster; safe to call twice. */
  destroy(): Promise<void>;
}

/** Whether this machine can run a private cluster (PostgreSQL binaries, root to switch to `postgres`). */
export function privatePgAvailable(): boolean {
  return pgBin() !== undefined && process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status === 0;
}

function pgBin(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] && join('/usr/lib/postgresql', versions[0], 'bin');
  } catch {
    return undefined;
  }
}

/** A port nobody listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function createPrivatePg(): Promise<PrivatePg> {
  const bin = pgBin();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'tracknow-pg-'));
  chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { timeout: 60_000 });
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  // fsync off: a crash test exercises the server's recovery, not the disk (and it is far faster on a shared box).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  let running = false;
  let created = false;
  let destroyed = false;
  let frozen: number[] = [];
  const stopNow = () => {
    for (const pid of frozen) signal(pid, 'SIGCONT');
    if (running)
      spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], {
        stdio: 'ignore',
      });
    rmSync(dir, { recursive: true, force: true });
  };
  // A worker that exits mid-test must not leave a postmaster running: stop it synchronously then.
  process.once('exit', stopNow);
  const self: PrivatePg = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/tracknow`,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      running = true;
      if (!created) {
        const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
        await client.connect();
        await client.query('create database tracknow').finally(() => client.end());
        created = true;
      }
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    freeze() {
      frozen = serverPids(data);
      for (const pid of frozen) signal(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen) signal(pid, 'SIGCONT');
      frozen = [];
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      process.removeListener('exit', stopNow);
      self.thaw();
      if (running) await self.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** The postmaster (first line of postmaster.pid) and its children. */
function serverPids(data: string): number[] {
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}

/** A signal to a server process that may have exited meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
