import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * FIFO exclusive access to PGlite's one session. Kysely holds it for a whole transaction;
 * the socket share holds it from a remote client's `begin` to its `commit`, so the two never
 * interleave statements inside each other's transactions.
 *
 * Every acquisition first gives the event loop a turn. PGlite runs a statement synchronously on
 * this thread and settles its promises as microtasks, so without the turn a chain of statements
 * (a batch's read and write, the next batch, the worker's claim) would never let Node read its
 * sockets: `serve` would see one webhook at a time and batch nothing, and the share socket and
 * the listener's health check would wait behind all of it.
 */
export class SessionGate {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for the session; call the returned function to give it back. */
  async acquire(): Promise<() => void> {
    await nextTurn();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    return release;
  }
}
