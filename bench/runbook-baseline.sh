#!/bin/bash
# The baseline for the coordinator-overhead benchmark: the node-update runbook's commands for the
# nodes of a lab, run by a plain script with no state, no agents and no safety beyond `set -e`.
# Usage: runbook-baseline.sh VERSION ETCD_ENDPOINTS SOAK_INTERVAL_S SOAK_PASSES NODE:MACHINE...
# (run with the lab's host environment: kubectl, gravity and etcdctl on PATH).
set -euo pipefail
version=$1 endpoints=$2 soak_interval=$3 soak_passes=$4
shift 4
first=${endpoints%%,*}
backup=$(mktemp -d)
trap 'rm -rf "$backup"' EXIT

node_pid() { # PID of systemd inside the node ($1: machine name), empty while it is down
  local p
  p=$(pgrep -f -- "--machine=$1 " | head -1) || return 0
  [ -n "$p" ] && cut -d' ' -f1 "/proc/$p/task/$p/children" 2>/dev/null || true
}
in_node() { local m=$1; shift; nsenter -t "$(node_pid "$m")" -a -- "$@"; }
gates() { # gravity, etcd, nodes Ready, pods Running; status 1 when any fails
  gravity status --output=json >/dev/null || return 1
  ETCDCTL_API=2 etcdctl --endpoints="$endpoints" cluster-health >/dev/null || return 1
  local bad
  bad=$(kubectl get nodes --no-headers | awk '$2 != "Ready" && $2 != "Ready,SchedulingDisabled"') || return 1
  [ -z "$bad" ] || return 1
  bad=$(kubectl get pods -A --no-headers | awk '$4 != "Running" && $4 != "Completed"') || return 1
  [ -z "$bad" ] || return 1
}

gates || { echo "cluster gates fail before the update" >&2; exit 1; }
ETCDCTL_API=3 etcdctl --endpoints="$first" snapshot save "$backup/snapshot.db" >/dev/null
ETCDCTL_API=3 etcdctl snapshot status "$backup/snapshot.db" -w json >/dev/null
for pair in "$@"; do
  node=${pair%%:*} machine=${pair#*:}
  gates || { echo "cluster gates fail before $node" >&2; exit 1; }
  in_node "$machine" journalctl -b -p err -o json --no-pager >/dev/null
  kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=2m >/dev/null
  planet=$(in_node "$machine" systemctl list-units --plain --no-legend --all 'gravity__gravitational*' | awk '/planet/ {print $1; exit}')
  in_node "$machine" systemctl stop "$planet"
  if in_node "$machine" systemctl is-active --quiet "$planet"; then echo "$planet still active" >&2; exit 1; fi
  in_node "$machine" dpkg -i "/var/lib/noderoll-lab/packages/noderoll-lab-planet_${version}_all.deb" >/dev/null
  before=$(cat "/proc/$(node_pid "$machine")/root/proc/sys/kernel/random/boot_id")
  in_node "$machine" systemctl reboot || true
  deadline=$((SECONDS + 120))
  until pid=$(node_pid "$machine") && [ -n "$pid" ] && after=$(cat "/proc/$pid/root/proc/sys/kernel/random/boot_id" 2>/dev/null) && [ "$after" != "$before" ] \
      && [ "$(kubectl get node "$node" -o jsonpath='{.status.nodeInfo.bootID} {.status.conditions[?(@.type=="Ready")].status}')" = "$after True" ] \
      && [ "$(in_node "$machine" dpkg-query -W -f='${Version}' noderoll-lab-planet)" = "$version" ]; do
    [ $SECONDS -lt $deadline ] || { echo "node $node did not come back" >&2; exit 1; }
    sleep 0.5
  done
  [ -z "$(in_node "$machine" systemctl --failed --plain --no-legend)" ]
  in_node "$machine" journalctl -b -p err -o json --no-pager >/dev/null
  kubectl uncordon "$node" >/dev/null
  passes=0
  deadline=$((SECONDS + 120))
  while [ $passes -lt "$soak_passes" ]; do
    [ $SECONDS -lt $deadline ] || { echo "soak after $node did not pass" >&2; exit 1; }
    sleep "$soak_interval"
    if gates; then passes=$((passes + 1)); else passes=0; fi
  done
done
