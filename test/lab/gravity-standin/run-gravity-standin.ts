/**
 * One invocation of the `gravity` stand-in, with the process edges (argv, environment, output
 * streams) passed in. Returns the exit code gravity would return.
 */

import { readFile, stat } from 'node:fs/promises';
import { parseArguments, USAGE } from './arguments.js';
import { buildGravityStatus } from './build-gravity-status.js';
import { judgeNodeHealth } from './judge-node-health.js';
import { LAB_STATE_ENV, parseGravityLabState, type GravityLabState } from './lab-state.js';
import { observeLabCluster } from './observe-lab-cluster.js';
import { renderStatusJson } from './render-json.js';
import { renderStatusText } from './render-text.js';
import { GravitySystemStatus } from '../../../shared/gravity/status.js';

/** gravity exits 255 for every error (tool/gravity/main.go). */
const GRAVITY_ERROR_EXIT = 255;

export interface StandinIo {
  /** Writes to stdout as-is. */
  out: (text: string) => void;
  /** Reports an error the way gravity does (`[ERROR]: message`). */
  error: (message: string) => void;
}

export async function runGravityStandin(argv: readonly string[], env: NodeJS.ProcessEnv, io: StandinIo): Promise<number> {
  const invocation = parseArguments(argv);
  if (invocation.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (invocation.kind === 'error') return fail(io, invocation.message);

  const path = invocation.labStatePath ?? env[LAB_STATE_ENV];
  if (!path) return fail(io, `no lab state: pass --lab-state PATH or set ${LAB_STATE_ENV}`);
  let lab: GravityLabState;
  let installedAt: Date;
  try {
    lab = parseGravityLabState(await readFile(path, 'utf8'), path);
    installedAt = lab.installedAt !== undefined ? new Date(lab.installedAt) : (await stat(path)).mtime;
  } catch (err) {
    return fail(io, messageOf(err));
  }
  if (invocation.operationId !== undefined) return fail(io, `operation ${invocation.operationId} not found`);

  let status;
  try {
    status = buildGravityStatus(lab, judgeNodeHealth(lab, await observeLabCluster(lab)), installedAt);
  } catch (err) {
    return fail(io, messageOf(err));
  }
  if (invocation.tokenOnly) {
    io.out(status.cluster.token?.token ?? '');
    return 0;
  }
  if (invocation.quiet) return 0;

  io.out(invocation.format === 'json' ? renderStatusJson(status) : renderStatusText(status, new Date()));
  const degraded = status.cluster.state === 'degraded' || status.cluster.system_status !== GravitySystemStatus.running;
  return degraded ? fail(io, 'degraded') : 0;
}

function fail(io: StandinIo, message: string): number {
  io.error(message);
  return GRAVITY_ERROR_EXIT;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

