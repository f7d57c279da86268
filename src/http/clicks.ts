import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { clickCookie, codeFromClickPath, isBot, withClickParams, withUtmSource } from '../domain/clicks.js';
import { TracknowError } from '../errors.js';
import { findClickTarget, recordClick } from '../services/records/clicks.js';
import type { Database } from '../store/schema.js';
import type { TrustedProxies } from './proxies.js';

/** The route's prefix: the listener hands every `/r/…` request to `handleClick`. */
export const isClickPath = (path: string): boolean => path.startsWith('/r/');

/** What the click route uses: the store, the install's salt and the trusted proxies (built once, by the caller). */
export interface ClickDeps {
  readonly db: Kysely<Database>;
  readonly salt: () => Promise<string>;
  readonly proxies: TrustedProxies;
}

const NOT_FOUND_PAGE = Buffer.from(
  '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Link not found</title></head>' +
    '<body><h1>Link not found</h1><p>This link does not exist or no longer leads anywhere.</p></body></html>\n',
);

/**
 * `GET /r/:code`: 302 to the code's destination (else its merchant's store) with
 * `utm_source=CODE` and `tracknow_click=ID`, a first-party cookie carrying the code and the click
 * id, and a click row (one per visitor and code per hour). Bots and HEAD requests are redirected
 * with `utm_source` only and not counted; unknown codes get a plain 404 page.
 */
export async function handleClick(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ClickDeps,
  entry: Record<string, unknown>,
): Promise<void> {
  const { db } = deps;
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new TracknowError('not_found', 'click links answer GET only');
  entry.route = '/r/:code';
  // Validated before any query: an over-long or non-ASCII code never reaches the database.
  const code = codeFromClickPath((req.url ?? '').split('?')[0] ?? '');
  const target = code === undefined ? undefined : await findClickTarget(db, code);
  if (!target?.destination) {
    entry.outcome = target ? 'no_destination' : 'unknown_code';
    return notFound(req, res);
  }
  entry.code = target.code;
  const headers: Record<string, string> = {
    location: withUtmSource(target.destination, target.code),
    'cache-control': 'no-store',
    'content-length': '0',
  };
  const userAgent = req.headers['user-agent'];
  if (req.method === 'HEAD' || isBot(userAgent)) {
    entry.outcome = req.method === 'HEAD' ? 'head' : 'bot';
  } else {
    try {
      const peer = deps.proxies.view(
        req.socket.remoteAddress,
        single(req.headers['x-forwarded-for']),
        single(req.headers['x-forwarded-proto']),
      );
      const clickId = await recordClick(db, {
        code: target.code,
        userAgent,
        referer: req.headers.referer,
        ip: peer.ip,
        salt: await deps.salt(),
      });
      headers.location = withClickParams(target.destination, target.code, clickId);
      headers['set-cookie'] = clickCookie(target.code, clickId, peer.https);
      entry.outcome = 'click';
    } catch (err) {
      // The visitor still reaches the shop; only this click goes uncounted.
      entry.outcome = 'click_not_recorded';
      entry.error = String((err as Error)?.message ?? err).slice(0, 200);
    }
  }
  res.writeHead(302, headers);
  res.end();
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': NOT_FOUND_PAGE.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : NOT_FOUND_PAGE);
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;
