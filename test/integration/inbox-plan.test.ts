import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeBackends } from '../helpers/db.js';

const MERCHANT = '00000000-0000-4000-8000-0000000000aa';

describeBackends('inbox dedupe lookup plan', (t) => {
  // Migration 0006: with no statistics (PGlite never analyzes), the lookup once probed the order
  // index (same leading columns) and filtered every stored event of the merchant per key.
  it('probes the dedupe key, not the order index, on a large never-analyzed inbox', async () => {
    const db = t().db;
    await sql`insert into merchants (id, name, currency) values (${MERCHANT}, 'Plan', 'USD')`.execute(db);
    await sql`insert into webhook_events (id, platform, merchant_id, source, dedupe_key, order_id, event_type, headers, body, status)
      select gen_random_uuid(), 'tiktok', ${MERCHANT}, 'webhook', 'k' || g, 'o' || g, 'x', '{}', '{}', 'processed'
      from generate_series(1, 100000) g`.execute(db);
    const keys = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ m: MERCHANT, p: 'tiktok', d: `k${i * 7}` })));
    const { rows } = await sql<{
      'QUERY PLAN': string;
    }>`explain select w.id from json_to_recordset(${keys}::json) as k(m uuid, p text, d text)
      join webhook_events w on w.merchant_id = k.m and w.platform = k.p and w.dedupe_key = k.d`.execute(db);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('webhook_events_merchant_id_platform_dedupe_key_key');
    expect(plan).not.toContain('webhook_events_order_idx');
  });
});
