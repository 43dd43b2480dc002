case "$1" in
remove | deconfigure)
	stop_and_disable_agent
	;;
esac
exit 0
