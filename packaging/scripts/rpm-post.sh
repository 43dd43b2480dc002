# $1: how many versions of the package are installed after this one (1: a first install).
if [ "$1" -eq 1 ]; then
	install_default_config
	start_agent_if_configured
else
	restart_agent_if_running
fi
