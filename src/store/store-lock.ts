import { unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TracknowError } from '../errors.js';

/**
 * An exclusive lock on the embedded store, held for the life of the process.
 * PGlite lets two processes open one data directory and silently loses the writes of one,
 * so nothing opens the store without this lock. A holder may offer a socket through which
 * other processes reach the store it has open (`tracknow serve` does).
 */
export interface StoreLock {
  readonly path: string;
  /** Records a socket path for other processes to connect through. */
  offerSocket(socketDir: string): Promise<void>;
  release(): Promise<void>;
}

export interface LockHolder {
  readonly pid: number;
  readonly socketDir?: string;
}

export type LockResult = { kind: 'acquired'; lock: StoreLock } | { kind: 'shared'; socketDir: string; pid: number };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<{ text: string; holder: LockHolder | undefined }> {
  try {
    const text = await readFile(path, 'utf8');
    try {
      return { text, holder: JSON.parse(text) as LockHolder };
    } catch {
      return { text, holder: undefined }; // being written right now
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', holder: undefined };
    throw err;
  }
}

/** Takes the lock, waiting up to `timeoutMs`; or reports the live holder's socket to share. */
export async function acquireStoreLock(home: string, timeoutMs: number): Promise<LockResult> {
  await mkdir(home, { recursive: true });
  const path = join(home, 'db.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid }));
      await handle.close();
      return { kind: 'acquired', lock: ownedLock(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const { text, holder } = await readHolder(path);
    if (holder && !isAlive(holder.pid)) {
      // A crashed holder left its lock; remove it only if nobody replaced it meanwhile.
      const again = await readHolder(path);
      if (again.text === text) await unlink(path).catch(() => undefined);
      continue;
    }
    if (holder?.socketDir) return { kind: 'shared', socketDir: holder.socketDir, pid: holder.pid };
    if (Date.now() >= deadline) {
      throw new TracknowError(
        'store_locked',
        `the embedded store in ${home} is in use by process ${holder?.pid ?? '?'}; wait for it to finish, or use PostgreSQL with DATABASE_URL`,
      );
    }
    await sleep(100);
  }
}

function ownedLock(path: string): StoreLock {
  let released = false;
  const onExit = () => {
    // Synchronous: at exit the event loop is gone.
    if (!released) unlinkSyncQuiet(path);
  };
  process.once('exit', onExit);
  return {
    path,
    async offerSocket(socketDir) {
      await writeFile(path, JSON.stringify({ pid: process.pid, socketDir }));
    },
    async release() {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      await unlink(path).catch(() => undefined);
    },
  };
}

function unlinkSyncQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
