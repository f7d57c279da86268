import type { IncomingMessage } from 'node:http';
import { TracknowError } from '../errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the raw body, byte for byte (signatures are over these bytes); over the limit → too_large. */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new TracknowError('too_large', `body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TracknowError('too_large', `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    // A client that breaks off mid-body (ECONNRESET "aborted", a bad chunk) is a bad request,
    // not a database outage: the error's code would otherwise read as one (503).
    req.on('error', (err) =>
      reject(new TracknowError('invalid', `the request body could not be read: ${err.message}`, { cause: err })),
    );
  });
}
