/**
 * `COPY … FROM STDIN` over a plain `pg` client, without pg-copy-streams: a submittable that
 * streams a file's bytes as CopyData messages. The bench's physical-limit baseline.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type pg from 'pg';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

class CopyFromFile {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: unknown) => void;
  private rows = 0;
  private error: unknown;

  constructor(
    readonly text: string,
    private readonly path: string,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    void (async () => {
      try {
        for await (const chunk of createReadStream(this.path, { highWaterMark: 1 << 20 })) {
          connection.sendCopyFromChunk(chunk as Buffer);
          if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
        }
        connection.endCopyFrom();
      } catch (err) {
        connection.sendCopyFail(String(err));
      }
    })();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleError(err: unknown): void {
    this.error = err;
  }

  handleReadyForQuery(): void {
    if (this.error) this.reject(this.error);
    else this.resolve(this.rows);
  }

  // Messages a COPY never produces; present because the client may call them on any query.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Streams `path` into `COPY <target> FROM STDIN <with>`; resolves with the rows copied. */
export function copyFromFile(client: pg.Client, target: string, path: string, withClause: string): Promise<number> {
  const copy = new CopyFromFile(`copy ${target} from stdin with (${withClause})`, path);
  (client as unknown as { query(s: unknown): unknown }).query(copy);
  return copy.done;
}
