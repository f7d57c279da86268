import type { Migration } from 'kysely';
import * as m0001 from './0001_core_schema.js';
import * as m0002 from './0002_reversal_per_refund.js';
import * as m0003 from './0003_notification_endpoints.js';
import * as m0004 from './0004_tiktok_enrichment.js';
import * as m0005 from './0005_ingest_write_check.js';
import * as m0006 from './0006_inbox_order_index.js';
import * as m0007 from './0007_refunds.js';
import * as m0008 from './0008_deals.js';
import * as m0009 from './0009_operator_desk.js';
import * as m0010 from './0010_clicks_window_visitor.js';
import * as m0011 from './0011_jobs.js';
import * as m0012 from './0012_tiktok_affiliate.js';
import * as m0013 from './0013_backfill_files.js';
import * as m0014 from './0014_fanout_per_statement.js';
import * as m0015 from './0015_fanout_job_per_statement.js';

/** Every migration, in order. A static list: nothing scans a directory at run time. */
export const migrations: Record<string, Migration> = {
  '0001_core_schema': m0001,
  '0002_reversal_per_refund': m0002,
  '0003_notification_endpoints': m0003,
  '0004_tiktok_enrichment': m0004,
  '0005_ingest_write_check': m0005,
  '0006_inbox_order_index': m0006,
  '0007_refunds': m0007,
  '0008_deals': m0008,
  '0009_operator_desk': m0009,
  '0010_clicks_window_visitor': m0010,
  '0011_jobs': m0011,
  '0012_tiktok_affiliate': m0012,
  '0013_backfill_files': m0013,
  '0014_fanout_per_statement': m0014,
  '0015_fanout_job_per_statement': m0015,
};
