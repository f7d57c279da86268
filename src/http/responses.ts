import type { ServerResponse } from 'node:http';
import { formatMajor } from '../domain/money.js';
import type { IngestOutcome } from '../services/ingest/ingest.js';

/** Writes a JSON answer; the body text is built by the caller so money stays exact. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * The seed's answer shape, for every platform: `{"code":0,"message":"success","data":{"sale_id":…,"commission":18.83}}`.
 * The commission is a JSON number written from its exact decimal text, never through a float.
 */
export function outcomeBody(outcome: IngestOutcome): string {
  const sale = outcome.sale;
  const credited =
    sale && sale.influencerId && sale.commissionMinor !== null && sale.currency && outcome.outcome === 'created';
  const message = credited ? 'success' : `${outcome.outcome}: ${outcome.message}`;
  const data: string[] = [
    `"event_id":${JSON.stringify(outcome.eventId)}`,
    `"outcome":${JSON.stringify(outcome.outcome)}`,
  ];
  if (sale) {
    data.unshift(`"sale_id":${JSON.stringify(sale.id)}`, `"status":${JSON.stringify(sale.status)}`);
    if (sale.influencerId && sale.commissionMinor !== null && sale.currency) {
      data.push(
        `"commission":${formatMajor(sale.commissionMinor, sale.currency)}`,
        `"currency":${JSON.stringify(sale.currency)}`,
      );
    }
  }
  return `{"code":0,"message":${JSON.stringify(message)},"data":{${data.join(',')}}}`;
}

export function errorBody(status: number, message: string): string {
  return JSON.stringify({ code: status, message });
}
