import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../store/schema.js';
import { enrichDue, type EnrichOptions, type EnrichSummary } from './tiktok-enrich.js';

export interface WorkerOptions extends EnrichOptions {
  /** Pause between polls of the queue when it is empty (default 2 s). */
  readonly intervalMs?: number;
  /** One JSON-able entry per round that did something, and per error; never a token. */
  readonly log: (entry: Record<string, unknown>) => void;
}

export interface EnrichmentWorker {
  /** Stops polling; a round in progress finishes first (its rows are committed or retried). */
  close(): Promise<void>;
}

/** Runs rounds until a round finds nothing due (cron: `tracknow tiktok enrich`). */
export async function drainEnrichment(db: Kysely<Database>, config: Config, options: EnrichOptions = {}, maxRounds = 1000): Promise<EnrichSummary> {
  const total = { claimed: 0, enriched: 0, retried: 0, failed: 0 };
  for (let round = 0; round < maxRounds; round++) {
    const s = await enrichDue(db, config, options);
    total.claimed += s.claimed;
    total.enriched += s.enriched;
    total.retried += s.retried;
    total.failed += s.failed;
    // Retried rows are leased into the future, so a full round means more may be due now.
    if (s.claimed < (options.limit ?? 50)) break;
  }
  return total;
}

/**
 * The enrichment queue's worker inside `tracknow serve`: polls in the background, outside any
 * request, so the listener still answers TikTok within its 3 s. Several serve processes may
 * run one each: claims skip each other's rows.
 */
export function startEnrichmentWorker(db: Kysely<Database>, config: Config, options: WorkerOptions): EnrichmentWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const s = await drainEnrichment(db, config, options, 20);
        if (s.claimed > 0) options.log({ time: new Date().toISOString(), event: 'tiktok_enrich', ...s });
      } catch (err) {
        options.log({ time: new Date().toISOString(), event: 'tiktok_enrich', error: String((err as Error)?.message ?? err).slice(0, 200) });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, options.intervalMs ?? 2000);
      });
    }
  })();
  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
