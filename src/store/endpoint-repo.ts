import { sql, type Kysely } from 'kysely';
import { closeJobs } from './jobs-repo.js';
import { refreshNotifications } from './notify-repo.js';
import type { Database, WebhookEndpoint } from './schema.js';

export interface NewEndpoint {
  readonly id: string;
  readonly url: string;
  readonly influencerId: string | null;
  /** null: every event. */
  readonly events: readonly string[] | null;
  readonly secret: string;
}

/** Inserts an endpoint; the events go in as one comma-joined text (names never hold commas). */
export async function insertEndpoint(db: Kysely<Database>, e: NewEndpoint): Promise<WebhookEndpoint> {
  const events = e.events === null ? sql`null::text[]` : sql`string_to_array(${e.events.join(',')}, ',')`;
  const { rows } = await sql<WebhookEndpoint>`
    insert into webhook_endpoints (id, url, influencer_id, events, secret)
    values (${e.id}::uuid, ${e.url}, ${e.influencerId}::uuid, ${events}, ${e.secret})
    returning *`.execute(db);
  return rows[0]!;
}

/** Endpoints not removed, oldest first. */
export async function activeEndpoints(db: Kysely<Database>): Promise<WebhookEndpoint[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Removes an endpoint softly (history keeps its deliveries) and fails what was still pending
 * for it. Returns how many pending deliveries were failed, or undefined for no such endpoint.
 */
export async function removeEndpointRow(db: Kysely<Database>, id: string, now: Date): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const removed = await trx
      .updateTable('webhook_endpoints')
      .set({ removed_at: now })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!removed) return undefined;
    const failed = await trx
      .updateTable('notification_deliveries')
      .set({ status: 'failed', last_error: 'endpoint removed', claim_id: null })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .returning(['id', 'notification_id'])
      .execute();
    await closeJobs(
      trx,
      failed.map((f) => `notify.deliver:${f.id}`),
      { status: 'failed', error: 'endpoint removed' },
    );
    await refreshNotifications(trx, [...new Set(failed.map((f) => f.notification_id))]);
    return failed.length;
  });
}
