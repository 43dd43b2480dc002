import { readFileSync } from 'node:fs';
import { KubeletHeartbeat } from '../planet/kubelet-heartbeat.js';
import { parsePlanetConfig } from '../planet/planet-config.js';

/**
 * Entry point of kubelet.service on a kubeadm lab node: the same heartbeat stand-in as inside the
 * Gravity lab's planet (registers the Node, posts its status, asks the container runtime), on its
 * own, with kubeadm's labels and taints from its config. It does not run etcd: see kubeadm-units.ts.
 */

function main(): void {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: kubelet-standin CONFIG.json\n');
    process.exit(2);
  }
  const config = parsePlanetConfig(readFileSync(configPath, 'utf8'));
  const log = (msg: string): void => void process.stdout.write(`kubelet: ${msg}\n`);
  const kubelet = new KubeletHeartbeat(config, log);
  kubelet.start();
  log(`heartbeating node ${config.nodeName} to ${config.apiServerUrl}`);
  const stop = (signal: string): void => {
    log(`${signal}: stopping`);
    kubelet.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
