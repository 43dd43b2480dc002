#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { systemClock } from './ports/clock.js';
import { connectGrpcAgents } from './agents/connect-agent.js';
import { runCli } from './cli/run-cli.js';
import { makeRealServices, openFileLog, type CliEnvironment, type RealServiceOptions } from './cli/services.js';

const connectAgent: RealServiceOptions['connectAgent'] = connectGrpcAgents;

function readLine(prompt: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.on('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

const environment: CliEnvironment = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: process.stdin.isTTY === true,
  readLine,
  clock: systemClock,
  env: process.env,
  pid: process.pid,
  host: hostname(),
  randomId: () => randomBytes(8).toString('hex').slice(0, 6),
  onSignal: (handler) => {
    const onInt = (): void => handler('SIGINT');
    const onTerm = (): void => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  },
  makeServices: (config, log) => makeRealServices(config, log, { clock: systemClock, connectAgent }),
  openLog: openFileLog,
  abortPollMs: 2000,
  exitNow: (code) => process.exit(code),
};

process.exitCode = await runCli(process.argv.slice(2), environment);
