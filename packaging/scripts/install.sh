usage() {
	echo "usage: install.sh [--uninstall [--purge]]
Installs noderoll-agent from this directory as the .deb does: $AGENT_BIN, the systemd unit,
$AGENT_TLS_DIR/, $AGENT_STATE_DIR/ and the commented defaults in $AGENT_DEFAULT_CONFIG,
copied to $AGENT_CONFIG when there is none. --uninstall stops and removes the agent and keeps
configuration, TLS files and state; --purge removes those too."
}

HERE=$(cd "$(dirname "$0")" && pwd)
UNIT_DIR=/lib/systemd/system
action=install
purge=no
for arg in "$@"; do
	case "$arg" in
	--uninstall) action=uninstall ;;
	--purge) purge=yes ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
	esac
done
if [ "$purge" = yes ] && [ "$action" != uninstall ]; then
	echo "install.sh: --purge goes with --uninstall" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install.sh: run as root" >&2
	exit 1
fi

if [ "$action" = uninstall ]; then
	stop_and_disable_agent
	rm -f "$AGENT_BIN" "$UNIT_DIR/$AGENT_UNIT" "$AGENT_DEFAULT_CONFIG"
	rmdir "$(dirname "$AGENT_DEFAULT_CONFIG")" 2>/dev/null || true
	if systemd_running; then systemctl daemon-reload || true; fi
	if [ "$purge" = yes ]; then
		purge_agent_files
		echo "noderoll-agent: removed, with its configuration, TLS files and state"
	else
		echo "noderoll-agent: removed; kept $AGENT_CONFIG, $AGENT_TLS_DIR/ and $AGENT_STATE_DIR/ (--uninstall --purge removes them)"
	fi
	exit 0
fi

upgrade=no
if [ -e "$AGENT_BIN" ]; then upgrade=yes; fi
install -D -m 0755 "$HERE/files$AGENT_BIN" "$AGENT_BIN.install-new"
mv -f "$AGENT_BIN.install-new" "$AGENT_BIN"
install -D -m 0644 "$HERE/files$UNIT_DIR/$AGENT_UNIT" "$UNIT_DIR/$AGENT_UNIT"
install -D -m 0644 "$HERE/files$AGENT_DEFAULT_CONFIG" "$AGENT_DEFAULT_CONFIG"
install -d -m 0755 /etc/noderoll
install -d -m 0700 "$AGENT_TLS_DIR" "$AGENT_STATE_DIR"
if [ "$upgrade" = yes ]; then
	restart_agent_if_running
else
	install_default_config
	start_agent_if_configured
fi
