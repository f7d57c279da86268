#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';

/** Parses, runs, and turns errors into exit codes (src/cli/run.ts): 2 usage, 1 everything else. */
void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
