import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { checkReceiverUrl, isNotificationEvent, NOTIFICATION_EVENTS } from '../../domain/notify.js';
import { invalid, notFound } from '../../errors.js';
import { activeEndpoints, insertEndpoint, removeEndpointRow } from '../../store/endpoint-repo.js';
import type { Database, WebhookEndpoint } from '../../store/schema.js';

export interface AddEndpointOptions {
  readonly url: string;
  readonly influencerId?: string;
  /** Event names; empty or absent: every event. */
  readonly events?: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Adds a receiver. The returned row holds the secret in full: the only time it is shown. */
export async function addEndpoint(db: Kysely<Database>, o: AddEndpointOptions): Promise<WebhookEndpoint> {
  const checked = checkReceiverUrl(o.url);
  if (!checked.ok) throw invalid(checked.reason, undefined, 'url');
  const events = normalizeEvents(o.events);
  if (o.influencerId !== undefined) {
    const found =
      UUID.test(o.influencerId) &&
      (await db.selectFrom('influencers').select('id').where('id', '=', o.influencerId).executeTakeFirst());
    if (!found) throw notFound(`no influencer ${o.influencerId}; see \`tracknow influencer list\``);
  }
  return insertEndpoint(db, {
    id: randomUUID(),
    url: checked.url,
    influencerId: o.influencerId ?? null,
    events,
    secret: newEndpointSecret(),
  });
}

function normalizeEvents(events: readonly string[] | undefined): string[] | null {
  const names = [...new Set((events ?? []).map((e) => e.trim()).filter((e) => e !== ''))];
  if (names.length === 0 || names.includes('*')) return null;
  const unknown = names.filter((n) => !isNotificationEvent(n));
  if (unknown.length > 0)
    throw invalid(`unknown ${unknown.join(', ')}; choose from ${NOTIFICATION_EVENTS.join(', ')}`, undefined, 'events');
  return names;
}

export function listEndpoints(db: Kysely<Database>): Promise<WebhookEndpoint[]> {
  return activeEndpoints(db);
}

/** Removes a receiver; what was still pending for it is marked failed. */
export async function removeEndpoint(
  db: Kysely<Database>,
  id: string,
  now = new Date(),
): Promise<{ id: string; failed_deliveries: number }> {
  const failed = UUID.test(id) ? await removeEndpointRow(db, id, now) : undefined;
  if (failed === undefined) throw notFound(`no endpoint ${id}; see \`tracknow endpoint list\``);
  return { id, failed_deliveries: failed };
}

/** The events an endpoint receives, spelled out (null in the table means all). */
export function endpointEvents(e: Pick<WebhookEndpoint, 'events'>): string[] {
  return e.events ?? [...NOTIFICATION_EVENTS];
}
