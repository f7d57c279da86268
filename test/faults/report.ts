import { appendFileSync } from 'node:fs';

/** The report's sections, in the order the table prints them. */
export type FaultSection = 'load' | 'faults' | 'hostile' | 'secrets';

/**
 * One line of the harness report: what a check tried, how many of those held (the expected
 * outcome), and how many events were lost (accepted with a 2xx but not stored exactly once).
 */
export interface FaultRecord {
  readonly section: FaultSection;
  readonly check: string;
  readonly backend: 'postgres' | 'pglite';
  readonly tried: number;
  readonly held: number;
  readonly lost: number;
  /** A short figure or two (throughput, 503 latency); never a secret. */
  readonly note?: string;
}

/** Appends to the file `scripts/test-faults.mjs` prints as the table; a no-op outside it. */
export function recordFault(record: FaultRecord): void {
  const file = process.env.TRACKNOW_FAULT_REPORT;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}
