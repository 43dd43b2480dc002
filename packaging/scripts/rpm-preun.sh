# $1 = 0: the package is being erased (not upgraded).
if [ "$1" -eq 0 ]; then
	stop_and_disable_agent
fi
