import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Server } from 'node:net';
import { serveContainerRuntime } from '../planet/container-runtime-standin.js';
import { KubeletHeartbeat } from '../planet/kubelet-heartbeat.js';
import { parsePlanetConfig, type PlanetConfig } from '../planet/planet-config.js';
import { NODE_K3S_STANDIN_CONFIG } from './k3s-units.js';
import { exitAfterChild } from '../planet/exit-after-child.js';
import { KineConnection, kinePutSql, nodeLeaseKey } from './kine-sqlite.js';

/**
 * `k3s server` / `k3s agent` in a k3s lab node (run by /usr/local/bin/k3s, k3s-units.ts): one
 * process holding what k3s embeds — the kubelet (the heartbeat stand-in), containerd (the runtime
 * stand-in on k3s's socket) and, on a server, the etcd member (a child etcd with k3s's TLS layout)
 * or, on a single server on SQLite, kine's database (kine-sqlite.ts). The datastore is part of the
 * process: if it dies, k3s exits (systemd restarts it); stopping k3s stops it.
 */

export interface K3sStandinConfig {
  kubelet: PlanetConfig;
  /** Servers with embedded etcd: the member's program and flags. */
  etcd?: { binary: string; args: string[] };
  /** A single server on SQLite (k3s's default datastore): kine's database. */
  sqlite?: { database: string };
}

function log(msg: string): void {
  process.stderr.write(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=info msg="${msg}"\n`);
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const raw = JSON.parse(readFileSync(NODE_K3S_STANDIN_CONFIG, 'utf8')) as K3sStandinConfig;
  const kubeletConfig = parsePlanetConfig(JSON.stringify(raw.kubelet));
  const datastore = raw.etcd ? 'an etcd member' : raw.sqlite ? 'a SQLite datastore' : undefined;
  if (mode === 'server' && !datastore) throw new Error(`${NODE_K3S_STANDIN_CONFIG}: no etcd member or SQLite datastore: this node is a k3s agent (run k3s agent)`);
  if (mode === 'agent' && datastore) throw new Error(`${NODE_K3S_STANDIN_CONFIG}: has ${datastore}: this node is a k3s server (run k3s server)`);
  log(`Starting k3s ${mode} (noderoll lab stand-in)`);
  let stopping = false;
  let etcd: ChildProcess | undefined;
  if (raw.etcd) {
    etcd = spawn(raw.etcd.binary, raw.etcd.args, { stdio: ['ignore', 'inherit', 'inherit'] });
    etcd.on('exit', (code, signal) => {
      if (stopping) return;
      log(`embedded etcd exited (code ${code}, signal ${signal}); k3s exits`);
      process.exit(1);
    });
    log(`Starting etcd for existing cluster member (pid ${etcd.pid})`);
  }
  let kine: KineConnection | undefined;
  if (raw.sqlite) {
    mkdirSync(dirname(raw.sqlite.database), { recursive: true, mode: 0o700 });
    kine = new KineConnection(raw.sqlite.database, (why) => {
      log(`datastore: ${why}; k3s exits`);
      process.exit(1);
    });
    log(`Configuring sqlite3 database connection pooling (kine ${raw.sqlite.database}, sqlite3 pid ${kine.pid})`);
  }
  let runtime: Server | undefined;
  if (kubeletConfig.containerRuntimeSocket) runtime = await serveContainerRuntime(kubeletConfig.containerRuntimeSocket);
  const kubelet = new KubeletHeartbeat(kubeletConfig, (m) => log(`kubelet: ${m}`));
  kubelet.start();
  // kine's write for the kubelet's lease renewal, a new revision every heartbeat
  const leases = kine ? setInterval(() => kine!.write(kinePutSql(nodeLeaseKey(kubeletConfig.nodeName), JSON.stringify({ kind: 'Lease', renewTime: new Date().toISOString() }))), kubeletConfig.heartbeatIntervalMs) : undefined;
  log(`k3s ${mode} is up: node ${kubeletConfig.nodeName} heartbeating to ${kubeletConfig.apiServerUrl}`);
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`Received ${signal}: shutting down`);
    kubelet.stop();
    runtime?.close();
    if (leases) clearInterval(leases);
    if (kine) kine.close(() => process.exit(0));
    else exitAfterChild(etcd);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`time="${new Date().toISOString()}" level=fatal msg="${err.message}"\n`);
  process.exit(1);
});
