# noderoll-agent package scripts: what the .deb/.rpm maintainer scripts and install.sh do to the
# service (packaging/maintainer-scripts.ts puts this file in front of each of them).
AGENT_BIN=/usr/bin/noderoll-agent
AGENT_CONFIG=/etc/noderoll/agent.yaml
AGENT_DEFAULT_CONFIG=/usr/share/noderoll-agent/agent.yaml
AGENT_TLS_DIR=/etc/noderoll/tls
AGENT_STATE_DIR=/var/lib/noderoll-agent
AGENT_UNIT=noderoll-agent.service
# Left by a package removal (config and state kept): the next install counts as a fresh one.
AGENT_REMOVED_MARKER=$AGENT_STATE_DIR/.package-removed

# The configuration is the operator's: written from the packaged defaults only when there is none
# (a node's bundle copied before the install stays as it is), never changed by an upgrade.
install_default_config() {
	if [ -e "$AGENT_CONFIG" ]; then
		echo "noderoll-agent: keeping $AGENT_CONFIG (packaged defaults: $AGENT_DEFAULT_CONFIG)"
		return 0
	fi
	install -d -m 0755 /etc/noderoll
	install -m 0644 "$AGENT_DEFAULT_CONFIG" "$AGENT_CONFIG"
	echo "noderoll-agent: wrote the commented defaults to $AGENT_CONFIG"
}

systemd_running() {
	[ -d /run/systemd/system ]
}

# A fresh install starts the agent only when its configuration and TLS files are valid.
start_agent_if_configured() {
	if systemd_running; then systemctl daemon-reload; fi
	# env -u NODE_OPTIONS: the binary is Node.js and would apply the caller's NODE_OPTIONS (the unit has none).
	if problems=$(env -u NODE_OPTIONS "$AGENT_BIN" --config "$AGENT_CONFIG" --check-config 2>&1 >/dev/null); then
		if systemd_running; then
			if systemctl enable --now "$AGENT_UNIT"; then
				echo "noderoll-agent: configuration valid, agent enabled and started"
			else
				echo "noderoll-agent: configuration valid but the agent did not start: journalctl -u $AGENT_UNIT" >&2
			fi
		else
			echo "noderoll-agent: configuration valid; systemd is not running here: systemctl enable noderoll-agent"
		fi
		return 0
	fi
	cat <<MSG
noderoll-agent: installed but NOT started: the configuration is not ready.
$problems
Next: put the node's ca.crt, agent.crt and agent.key (mode 0600) in $AGENT_TLS_DIR/,
adjust $AGENT_CONFIG, then
  noderoll-agent --config $AGENT_CONFIG --check-config
  systemctl enable --now noderoll-agent
MSG
}

# An upgrade restarts the agent only if it runs; its graceful stop waits for a mutating operation
# in flight (operations.shutdownGraceMs).
restart_agent_if_running() {
	systemd_running || return 0
	systemctl daemon-reload
	if grep -q "/$AGENT_UNIT" /proc/self/cgroup 2>/dev/null; then
		# Run by the agent's own Install: a blocking restart would wait for the agent, which waits
		# for this install to end. Queued, the restart happens once the install is over.
		systemctl --no-block try-restart "$AGENT_UNIT"
	else
		systemctl try-restart "$AGENT_UNIT"
	fi
}

stop_and_disable_agent() {
	if systemd_running; then systemctl disable --now "$AGENT_UNIT" || true; fi
}

# Removal keeps the configuration, TLS files and state; only a purge deletes them.
purge_agent_files() {
	rm -f "$AGENT_CONFIG"
	rm -rf "$AGENT_TLS_DIR" "$AGENT_STATE_DIR"
	rmdir /etc/noderoll 2>/dev/null || true
}
