import type { Migration } from 'kysely';
import * as m0001 from './0001_core_schema.js';

/** Every migration, in order. A static list: nothing scans a directory at run time. */
export const migrations: Record<string, Migration> = {
  '0001_core_schema': m0001,
};
