import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parsePlanetConfig, type PlanetEtcdConfig } from './planet-config.js';
import { KubeletHeartbeat } from './kubelet-heartbeat.js';
import { exitAfterChild } from './exit-after-child.js';

/**
 * Entry point of the lab planet unit. Like Gravity's planet, it carries the node's etcd member
 * and its kubelet: stopping the unit stops both, so etcd degrades and the Node goes NotReady.
 */

function log(msg: string): void {
  process.stdout.write(`planet: ${msg}\n`);
}

function etcdArgs(e: PlanetEtcdConfig): string[] {
  return [
    `--name=${e.name}`,
    `--data-dir=${e.dataDir}`,
    `--listen-peer-urls=${e.listenPeerUrl}`,
    `--initial-advertise-peer-urls=${e.listenPeerUrl}`,
    `--listen-client-urls=${e.listenClientUrls.join(',')}`,
    `--advertise-client-urls=${e.advertiseClientUrl}`,
    `--initial-cluster=${e.initialCluster}`,
    `--initial-cluster-token=${e.clusterToken}`,
    '--initial-cluster-state=new',
    '--enable-v2=true',
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

function main(): void {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: planet-standin CONFIG.json\n');
    process.exit(2);
  }
  const config = parsePlanetConfig(readFileSync(configPath, 'utf8'));
  let etcd: ChildProcess | undefined;
  let stopping = false;

  if (config.etcd) {
    etcd = spawn(config.etcd.binary, etcdArgs(config.etcd), { stdio: ['ignore', 'inherit', 'inherit'] });
    etcd.on('exit', (code, signal) => {
      if (stopping) return;
      log(`etcd member exited unexpectedly (code ${code}, signal ${signal}); planet fails`);
      process.exit(1);
    });
    log(`started etcd member ${config.etcd.name} (pid ${etcd.pid})`);
  } else if (config.etcdProxy) {
    const p = config.etcdProxy;
    etcd = spawn(p.binary, ['gateway', 'start', `--endpoints=${p.endpoints.join(',')}`, `--listen-addr=${p.listenAddr}`, '--retry-delay=1s'], { stdio: ['ignore', 'inherit', 'inherit'] });
    etcd.on('exit', (code, signal) => {
      if (stopping) return;
      log(`etcd proxy exited unexpectedly (code ${code}, signal ${signal}); planet fails`);
      process.exit(1);
    });
    log(`started etcd proxy to ${p.endpoints.join(',')} (pid ${etcd.pid})`);
  }

  const kubelet = new KubeletHeartbeat(config, log);
  kubelet.start();
  log(`kubelet stand-in heartbeating node ${config.nodeName} to ${config.apiServerUrl}`);

  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping kubelet and etcd`);
    kubelet.stop();
    exitAfterChild(etcd);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
