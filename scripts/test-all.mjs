#!/usr/bin/env node
// Builds the binary the e2e tests spawn, runs the whole suite on PGlite and PostgreSQL
// (TEST_DATABASE_URL, default the local server's `test` database), and ends with the plain
// "N passed, N failed" line CI reads. Extra arguments go to vitest (e.g. a file filter).
import { build, runVitest, testEnv } from './vitest-run.mjs';

const env = testEnv();
build();
const { status, summary } = runVitest(process.argv.slice(2), env);
console.log(`\nbackends: pglite, postgres (${new URL(env.TEST_DATABASE_URL).host})`);
console.log(summary);
process.exit(status);
