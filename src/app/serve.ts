import type { Config } from '../config.js';
import { startListener } from '../http/server.js';
import { saltProvider } from '../services/records/clicks.js';
import { startWorker } from '../services/jobs/job-worker.js';
import { openStore, type Backend } from '../store/connect.js';
import { shareStore } from '../store/share-socket.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly log: (entry: Record<string, unknown>) => void;
  readonly onListening: (url: string, backend: Backend) => void;
  /** Signals that stop the listener gracefully. */
  readonly signals: readonly NodeJS.Signals[];
}

/**
 * The composition root of `tracknow serve`: opens the store, shares it, starts the background
 * workers and the listener, and hands each the config it was resolved with once.
 * Runs the listener until a signal: then it stops accepting, finishes in-flight requests,
 * and closes the store (and its lock) last.
 */
export async function serve(config: Config, options: ServeOptions): Promise<void> {
  const store = await openStore(config, { poolSize: 8 });
  // Holding the embedded store, share it so cron's validate and payout still work meanwhile.
  const shared = store.pglite ? await shareStore(store, config.home) : undefined;
  // Background jobs (notifications, TikTok order details) run here, never in a request.
  const worker = startWorker(store.db, config, { log: options.log });
  try {
    // Three batches in flight on PostgreSQL: on two cores more only shrinks the batches and
    // adds database work per webhook; PGlite has one session, so one.
    const listener = await startListener({
      db: store.db,
      host: options.host,
      port: options.port,
      log: options.log,
      maxInFlight: store.backend === 'postgres' ? 3 : 1,
      clickSalt: saltProvider(config),
      trustedProxies: config.trustedProxies,
      encryptionKey: config.encryptionKey,
    });
    options.onListening(listener.url, store.backend);
    await new Promise<void>((resolve) => {
      const stop = () => {
        for (const s of options.signals) process.removeListener(s, stop);
        resolve();
      };
      for (const s of options.signals) process.once(s, stop);
    });
    await listener.close();
  } finally {
    await worker.stop();
    await shared?.close();
    await store.close();
  }
}
