import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { TracknowError, httpStatusFor, isDbUnavailable } from '../errors.js';
import { normalizeHeaders } from '../platforms/platform.js';
import { checkDatabase } from '../services/health.js';
import { IngestBatcher } from '../services/ingest/ingest-batcher.js';
import { intake, RejectedDelivery } from '../services/ingest/webhook-intake.js';
import type { TrustedProxy } from '../config.js';
import type { Database } from '../store/schema.js';
import { SecretKeyError } from '../store/secret-box.js';
import { readRawBody } from './body.js';
import { handleClick, isClickPath } from './clicks.js';
import { MerchantCache } from './merchant-cache.js';
import { TrustedProxies } from './proxies.js';
import { errorBody, outcomeBody, sendJson } from './responses.js';

export interface ListenerOptions {
  readonly db: Kysely<Database>;
  readonly host: string;
  readonly port: number;
  /** One JSON line per request; never a secret or a body. */
  readonly log: (entry: Record<string, unknown>) => void;
  readonly maxInFlight?: number;
  /** The install's salt for hashing click IPs, resolved on the first click (see `saltProvider`). */
  readonly clickSalt: () => Promise<string>;
  /** TRACKNOW_TRUSTED_PROXIES: the peers whose X-Forwarded-For/-Proto are believed (default none). */
  readonly trustedProxies?: readonly TrustedProxy[];
  /** TRACKNOW_ENCRYPTION_KEY: opens merchants' sealed secrets. */
  readonly encryptionKey?: Buffer | undefined;
}

export interface Listener {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting, finishes in-flight requests and batches. */
  close(): Promise<void>;
}

const WEBHOOK = /^\/api\/webhook\/([a-z]+)\/([^/?#]+)\/?$/;
/** How long a webhook waits for the database before answering 503, within TikTok's 3 s. */
const WEBHOOK_DB_MS = 2500;

/** The minimal listener: webhooks for each platform and a health check. */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const batcher = new IngestBatcher(options.db, { maxInFlight: options.maxInFlight ?? 4, maxBatch: 64 });
  const merchants = new MerchantCache(options.db, options.encryptionKey);
  const clicks = { db: options.db, salt: options.clickSalt, proxies: new TrustedProxies(options.trustedProxies ?? []) };
  const server = createServer((req, res) => {
    const started = performance.now();
    const entry: Record<string, unknown> = { method: req.method, route: routeName(req.url ?? '') };
    handle(req, res, entry)
      .catch((err: unknown) => fail(res, entry, err))
      .finally(() => {
        options.log({
          time: new Date().toISOString(),
          ...entry,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        });
      });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, entry: Record<string, unknown>): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') return health(res);
    if (isClickPath(path)) return handleClick(req, res, clicks, entry);
    const hook = WEBHOOK.exec(path);
    if (!hook) throw new TracknowError('not_found', 'no such route');
    if (req.method !== 'POST') throw new TracknowError('not_found', 'webhooks are POST');
    const [, platform = '', merchantId = ''] = hook;
    entry.merchant = merchantId.slice(0, 64);
    const rawBody = await readRawBody(req);
    // The platforms give up after a few seconds (TikTok: 3): a database that does not answer by then
    // (hung, partitioned) must get a 503, not a hang. A batch that still commits later is stored once;
    // the platform's retry is then a duplicate.
    const dbDeadline = performance.now() + WEBHOOK_DB_MS;
    const merchant = await withTimeout(merchants.fromPath(platform, merchantId), WEBHOOK_DB_MS);
    const request = { headers: normalizeHeaders(req.headers), rawBody, receivedAt: new Date() };
    const taken = intake(platform, merchant, request);
    if (taken.kind === 'ping') {
      entry.outcome = 'ping';
      return sendJson(res, 200, '{"code":0,"message":"pong"}');
    }
    const outcome = await withTimeout(batcher.submit(taken.item), Math.max(0, dbDeadline - performance.now()));
    entry.outcome = outcome.outcome;
    sendJson(res, 200, outcomeBody(outcome));
  }

  async function health(res: ServerResponse): Promise<void> {
    try {
      await withTimeout(checkDatabase(options.db), 2000);
      sendJson(res, 200, '{"status":"ok"}');
    } catch {
      sendJson(res, 503, '{"status":"database unavailable"}');
    }
  }

  function fail(res: ServerResponse, entry: Record<string, unknown>, err: unknown): void {
    // A secret the listener's key cannot open is the operator's to fix: 503 (the platform retries), details only in the log.
    if (err instanceof SecretKeyError) {
      entry.outcome = 'secret_unavailable';
      entry.error = err.message;
      return sendJson(res, 503, errorBody(503, 'the merchant cannot be verified right now, retry later'));
    }
    const status = isDbUnavailable(err) ? 503 : httpStatusFor(err);
    entry.outcome = err instanceof TracknowError ? err.code : isDbUnavailable(err) ? 'db_unavailable' : 'error';
    if (err instanceof RejectedDelivery)
      Object.assign(entry, { reason: err.message }, err.hint ? { hint: err.hint } : {});
    if (status >= 500 && !(err instanceof TracknowError))
      entry.error = String((err as Error)?.message ?? err).slice(0, 200);
    const message =
      err instanceof TracknowError
        ? err.message
        : status === 503
          ? 'database unavailable, retry later'
          : 'internal error';
    if (res.headersSent) return void res.end();
    sendJson(res, status, errorBody(status, message), status === 413 ? { connection: 'close' } : {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await batcher.drain();
    },
  };
}

function routeName(url: string): string {
  const path = url.split('?')[0] ?? '';
  const hook = WEBHOOK.exec(path);
  if (hook) return `/api/webhook/${hook[1]}/:merchantId`;
  return path.length > 64 ? `${path.slice(0, 64)}…` : path;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TracknowError('db_unavailable', 'database did not answer in time')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
