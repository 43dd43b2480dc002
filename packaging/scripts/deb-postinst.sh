case "$1" in
configure)
	# $2: the version configured before (empty on a first install).
	if [ -z "$2" ] || [ -e "$AGENT_REMOVED_MARKER" ]; then
		rm -f "$AGENT_REMOVED_MARKER"
		install_default_config
		start_agent_if_configured
	else
		restart_agent_if_running
	fi
	;;
esac
exit 0
