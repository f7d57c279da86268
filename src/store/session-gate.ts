/**
 * FIFO exclusive access to PGlite's one session. Kysely holds it for a whole transaction;
 * the socket share holds it from a remote client's `begin` to its `commit`, so the two never
 * interleave statements inside each other's transactions.
 */
export class SessionGate {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for the session; call the returned function to give it back. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    return release;
  }
}
