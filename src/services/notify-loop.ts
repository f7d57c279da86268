import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../store/schema.js';
import { deliverDue, deliverOptionsFrom } from './notify.js';

export interface DeliveryLoop {
  /** Stops looking for work, aborts sends in flight (their rows go back, due now) and waits. */
  stop(): Promise<void>;
}

/**
 * `serve`'s background delivery: one long-running delivery pool that looks for new outbox
 * rows every `intervalMs` while idle. It runs outside any request, so the listener's answers
 * never wait on a receiver. If the database fails, the error is logged and the pool restarts
 * after an interval.
 */
export function startDeliveryLoop(db: Kysely<Database>, config: Config, log: (entry: Record<string, unknown>) => void): DeliveryLoop {
  const stopping = new AbortController();
  const stamp = (entry: Record<string, unknown>) => log({ time: new Date().toISOString(), ...entry });
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await deliverDue(db, { ...deliverOptionsFrom(config), signal: stopping.signal, pollMs: config.notify.intervalMs, log: (e) => stamp({ notify: 'attempt', ...e }) });
      } catch (err) {
        if (stopping.signal.aborted) return;
        stamp({ notify: 'error', error: String((err as Error)?.message ?? err).slice(0, 200) });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.notify.intervalMs);
          stopping.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
