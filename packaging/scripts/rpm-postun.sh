if [ "$1" -eq 0 ] && systemd_running; then
	systemctl daemon-reload || true
fi
