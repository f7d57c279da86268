import { sql, type Kysely } from 'kysely';

/**
 * The TikTok enrichment queue. Real TikTok notifications carry no amounts, so a notification
 * that ingest stores as processed, for a merchant with Open API credentials, is queued for an
 * order-detail fetch: status 'enriching', due now. Done by triggers on the inbox row so the
 * mark commits with the ingest transaction or not at all, and the listener makes no API call
 * and no extra write. The worker (`src/services/tiktok-enrich.ts`) takes it from there.
 * The WHEN clause keeps every other insert (backfill, other platforms) off the function.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `create function webhook_events_tiktok_enrichment() returns trigger language plpgsql as $$
      declare
        payment jsonb;
      begin
        begin
          payment := new.body::jsonb #> '{data,payment}';
        exception when others then
          return new; -- not JSON: nothing to enrich (parse would have refused it anyway)
        end;
        if jsonb_typeof(payment) = 'object' then
          return new; -- amounts already present (the seed's shape, a merged notification)
        end if;
        if exists (
          select 1 from merchants m
          where m.id = new.merchant_id
            and m.tiktok_app_key is not null and m.tiktok_app_secret is not null
            and (m.tiktok_access_token is not null or m.tiktok_refresh_token is not null)
        ) then
          new.status := 'enriching';
          new.attempts := 0;
          new.last_error := null;
          new.next_attempt_at := now();
        end if;
        return new;
      end
    $$`,
    `create trigger webhook_events_tiktok_enrichment before insert on webhook_events
      for each row
      when (new.platform = 'tiktok' and new.source = 'webhook' and new.status = 'processed' and new.order_id is not null)
      execute function webhook_events_tiktok_enrichment()`,
    // Ingest stores a delivery as received, then marks its outcome: the mark is where it is queued.
    `create trigger webhook_events_tiktok_enrichment_mark before update of status on webhook_events
      for each row
      when (old.status = 'received' and new.platform = 'tiktok' and new.source = 'webhook' and new.status = 'processed' and new.order_id is not null)
      execute function webhook_events_tiktok_enrichment()`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop trigger webhook_events_tiktok_enrichment_mark on webhook_events').execute(db);
  await sql.raw('drop trigger webhook_events_tiktok_enrichment on webhook_events').execute(db);
  await sql.raw('drop function webhook_events_tiktok_enrichment').execute(db);
}
