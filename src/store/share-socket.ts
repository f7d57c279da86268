import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { TracknowError } from '../errors.js';
import type { Store } from './connect.js';
import type { SessionGate } from './session-gate.js';

/** pg finds a server socket at `<dir>/.s.PGSQL.<port>`; other tracknow processes connect there. */
export const socketPath = (home: string) => join(home, '.s.PGSQL.5432');

/**
 * PGlite seen through the session gate: the socket server runs each protocol message in
 * `runExclusive`, and a remote transaction keeps the gate from `begin` to its end, so the
 * listener's own transactions and a remote client's never mix.
 */
function gated(pglite: PGlite, gate: SessionGate): PGlite {
  let held: (() => void) | undefined;
  const runExclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    held ??= await gate.acquire();
    try {
      return await fn();
    } finally {
      if (!pglite.isInTransaction()) {
        const release = held;
        held = undefined;
        release?.();
      }
    }
  };
  return new Proxy(pglite, {
    get(target, prop) {
      if (prop === 'runExclusive') return runExclusive;
      if (prop === 'exec') return (query: string) => runExclusive(() => target.exec(query));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface SharedStore {
  close(): Promise<void>;
}

/**
 * Serves the embedded store this process holds on a local socket, so that cron's validate
 * and payout keep working while `tracknow serve` runs. One client at a time; others retry.
 */
export async function shareStore(store: Store, home: string): Promise<SharedStore> {
  if (!store.pglite || !store.gate || !store.lock)
    throw new TracknowError('internal', 'only an embedded store this process owns can be shared');
  const path = socketPath(home);
  // We hold the store lock, so a socket file here is a crashed holder's leftover.
  await unlink(path).catch(() => undefined);
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const server = new PGLiteSocketServer({ db: gated(store.pglite, store.gate), path, maxConnections: 1 });
  await server.start();
  await store.lock.offerSocket(home);
  return {
    async close() {
      await server.stop();
      await unlink(path).catch(() => undefined);
    },
  };
}
