import { Worker } from 'node:worker_threads';

/** Reads a file in a worker thread and hashes it there; the main thread goes on parsing meanwhile. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
let size = 0;
createReadStream(workerData, { highWaterMark: 1 << 18 })
  .on('data', (chunk) => { size += chunk.length; hash.update(chunk); })
  .on('error', (err) => parentPort.postMessage({ error: String(err && err.message || err) }))
  .on('end', () => parentPort.postMessage({ sha256: hash.digest('hex'), size }));
`;

export interface FileDigest {
  readonly sha256: string;
  readonly size: number;
}

/** The SHA-256 and byte size of a file, computed off the main thread. */
export function fileDigest(path: string): Promise<FileDigest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, { eval: true, workerData: path });
    worker.once('message', (m: { sha256?: string; size?: number; error?: string }) => {
      void worker.terminate();
      if (m.sha256 !== undefined && m.size !== undefined) resolve({ sha256: m.sha256, size: m.size });
      else reject(new Error(`${path}: cannot be read (${m.error ?? 'unknown error'})`));
    });
    worker.once('error', reject);
  });
}
