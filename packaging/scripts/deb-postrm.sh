case "$1" in
remove)
	if systemd_running; then systemctl daemon-reload || true; fi
	mkdir -p -m 0700 "$AGENT_STATE_DIR"
	touch "$AGENT_REMOVED_MARKER"
	;;
purge)
	purge_agent_files
	if systemd_running; then systemctl daemon-reload || true; fi
	;;
esac
exit 0
