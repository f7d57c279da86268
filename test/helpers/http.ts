import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { startListener, type Listener } from '../../src/http/server.js';
import { saltProvider } from '../../src/services/records/clicks.js';
import type { Store } from '../../src/store/connect.js';
import { TIKTOK } from './world.js';

export interface Reply {
  readonly status: number;
  readonly text: string;
  json<T = any>(): T;
}

/** A real client over loopback. */
export async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: () => JSON.parse(text) };
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<Reply & { headers: Record<string, string | string[] | undefined> }> {
  const res = await request(url, { method: 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: () => JSON.parse(text), headers: res.headers };
}

export function tiktokSignature(body: Buffer | string, secret = TIKTOK.appSecret, appKey = TIKTOK.appKey): string {
  return createHmac('sha256', secret).update(appKey).update(body).digest('hex');
}

/**
 * A listener on 127.0.0.1 with a random port, logging into an array the test can read; its click
 * salt comes from the environment as the test left it (TRACKNOW_HOME, TRACKNOW_CLICK_SALT).
 */
export async function listen(store: Store): Promise<Listener & { logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const listener = await startListener({
    db: store.db,
    host: '127.0.0.1',
    port: 0,
    log: (e) => logs.push(e),
    maxInFlight: store.backend === 'postgres' ? 4 : 1,
    clickSalt: saltProvider(loadConfig()),
  });
  return Object.assign(listener, { logs });
}
