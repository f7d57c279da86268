#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';

/** Parses, runs, and turns errors into exit codes (src/cli/run.ts): 2 usage, 1 everything else. */
process.exitCode = await runCli(process.argv);
