import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR } from '../node-rootfs.js';
import { K3S_BINARY, K3S_ETCD_DATA_DIR, K3S_ETCD_TLS_DIR, K3S_ETCDCTL, K3S_SNAPSHOT_DIR } from './k3s-paths.js';

/**
 * The units and the program of a k3s lab node, under k3s's names: k3s.service (`k3s server`) on
 * servers, k3s-agent.service (`k3s agent`) on agents, both running /usr/local/bin/k3s as k3s's
 * install script writes them. The program is a stand-in: `server` and `agent` run
 * k3s-standin.js (the kubelet heartbeat and the container runtime in one process, on servers also
 * the etcd member, as k3s embeds all of them — stopping k3s.service stops etcd); `etcd-snapshot
 * save` behaves as k3s's; anything else is refused saying so.
 */

export const K3S_SERVER_UNIT = 'k3s.service';
export const K3S_AGENT_UNIT = 'k3s-agent.service';
/** The stand-in's settings (kubelet, etcd member) written by the lab; real k3s reads /etc/rancher/k3s/config.yaml. */
export const NODE_K3S_STANDIN_CONFIG = '/etc/noderoll-lab/k3s.json';
export const K3S_VERSION = 'v1.31.4+k3s1';

/**
 * k3s's units as its install script writes them, with what the lab changes: Type=simple (k3s uses
 * notify: `systemctl start` returns once k3s says it is ready; here as soon as it runs) and
 * KillMode=mixed (k3s uses process so that containers outlive a k3s restart; the lab has no
 * containers and must not leave an etcd child behind).
 */
export function k3sUnitText(unit: typeof K3S_SERVER_UNIT | typeof K3S_AGENT_UNIT): string {
  const server = unit === K3S_SERVER_UNIT;
  return [
    '[Unit]',
    `Description=Lightweight Kubernetes (noderoll lab stand-in, k3s ${server ? 'server' : 'agent'})`,
    'Documentation=https://k3s.io',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
    '[Service]',
    'Type=simple',
    `EnvironmentFile=-/etc/default/%N`,
    `EnvironmentFile=-/etc/systemd/system/${unit}.env`,
    'KillMode=mixed',
    'Delegate=yes',
    'LimitNOFILE=1048576',
    'TimeoutStartSec=0',
    'TimeoutStopSec=20',
    'Restart=always',
    'RestartSec=2s',
    `ExecStart=${K3S_BINARY} ${server ? 'server' : 'agent'}`,
    '',
  ].join('\n');
}

/**
 * /usr/local/bin/k3s. A shell script (not Node.js): the agent runs `k3s etcd-snapshot save` and the
 * lab's Node.js runtime is hidden from it. `etcd-snapshot save [--name N] [--dir D] [--node-name X]`
 * as k3s does it: refused where no embedded etcd is (an agent), the file named
 * `<name>-<node name>-<unix seconds>` in the directory (created 0700), k3s's logrus lines on stderr,
 * `level=fatal` and exit 1 on failure. k3s takes the snapshot with its own etcd client and the
 * etcd-client certificate; the stand-in with etcdctl and the same certificate.
 */
export function k3sStandinScript(): string {
  return `#!/bin/sh
# noderoll lab stand-in for k3s (${K3S_VERSION}): server, agent, etcd-snapshot save
log() { printf 'time="%s" level=%s msg="%s"\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >&2; }
fatal() { log fatal "$1"; exit 1; }
case "\${1:-}" in
  server|agent) exec ${NODE_LAB_NODE_BINARY} ${NODE_LAB_PROJECT_DIR}/dist/test/lab/k3s/k3s-standin.js "$@" ;;
  --version|-v|version) echo "k3s version ${K3S_VERSION} (noderoll lab stand-in)"; exit 0 ;;
  etcd-snapshot) shift ;;
  *) echo "noderoll lab k3s stand-in: command \\"\${1:-}\\" is not implemented (only server, agent, etcd-snapshot save, --version)" >&2; exit 1 ;;
esac
[ "\${1:-}" = save ] || fatal "etcd-snapshot \${1:-(no subcommand)}: not implemented by the noderoll lab k3s stand-in (only etcd-snapshot save)"
shift
name=on-demand
dir=${K3S_SNAPSHOT_DIR}
node=$(hostname)
need() { [ $# -ge 2 ] || { echo "Incorrect Usage: flag needs an argument: $1" >&2; exit 1; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --name) need "$@"; name=$2; shift 2 ;;
    --name=*) name=\${1#*=}; shift ;;
    --dir|--etcd-snapshot-dir) need "$@"; dir=$2; shift 2 ;;
    --dir=*|--etcd-snapshot-dir=*) dir=\${1#*=}; shift ;;
    --node-name) need "$@"; node=$2; shift 2 ;;
    --node-name=*) node=\${1#*=}; shift ;;
    *) echo "Incorrect Usage: flag provided but not defined: $1" >&2; exit 1 ;;
  esac
done
case "$name" in ''|*/*) fatal "invalid snapshot name \\"$name\\"" ;; esac
[ -d ${K3S_ETCD_DATA_DIR} ] || fatal "etcd database not found in ${K3S_ETCD_DATA_DIR}"
mkdir -p "$dir" && chmod 0700 "$dir" || fatal "failed to create snapshot directory $dir"
base="$name-$node-$(date +%s)"
file="$dir/$base"
log info "Saving etcd snapshot to $file"
err=$(ETCDCTL_API=3 ${K3S_ETCDCTL} --endpoints=https://127.0.0.1:2379 --cacert=${K3S_ETCD_TLS_DIR}/server-ca.crt --cert=${K3S_ETCD_TLS_DIR}/client.crt --key=${K3S_ETCD_TLS_DIR}/client.key --dial-timeout=5s --command-timeout=60s snapshot save "$file" 2>&1 >/dev/null) || { rm -f "$file" "$file.part"; fatal "Error: failed to save snapshot $base: $(printf '%s' "$err" | tail -n 1)"; }
log info "Snapshot $base saved."
`;
}
