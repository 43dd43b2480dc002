#!/usr/bin/env node
/**
 * `gravity` stand-in for the lab: answers `gravity status [--output=json|text]` about the lab
 * cluster in Gravity's own format, from live observations (Node readiness in the test API server,
 * etcd member health), so noderoll's parsers run unchanged against it and against real Gravity.
 *
 *   node dist/test/lab/gravity-standin/main.js status --output=json --lab-state /path/lab-state.json
 *
 * Exit codes as gravity: 0 when the cluster is healthy; 255 when it is degraded (after printing the
 * status) and on any error. Errors are printed as `[ERROR]: message`; they go to stderr, or to
 * stdout (where real gravity prints them) when NODEROLL_STANDIN_ERROR_STREAM=stdout.
 */

import { runGravityStandin } from './run-gravity-standin.js';

/** Set to `stdout` to print `[ERROR]: …` lines on stdout, where real gravity prints them. */
const ERROR_STREAM_ENV = 'NODEROLL_STANDIN_ERROR_STREAM';

const errorStream = process.env[ERROR_STREAM_ENV] === 'stdout' ? process.stdout : process.stderr;
process.exitCode = await runGravityStandin(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  error: (message) => errorStream.write(`[ERROR]: ${message}\n`),
});
