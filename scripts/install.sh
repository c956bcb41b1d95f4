#!/usr/bin/env bash
# install.sh: the Debian packages `make test` needs. Run as root, it
# installs the missing ones with apt-get; run as anyone else, it names them
# and fails, so a test that needs a server or a browser never skips.
set -euo pipefail

need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# The store tests start their own throwaway servers from these packages.
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v wrk >/dev/null || need+=(wrk)           # the end-to-end smoke run
command -v chromium >/dev/null || need+=(chromium) # the real-browser test
command -v git >/dev/null || need+=(git)           # the release check snapshots the tree

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install: make test needs these Debian packages: ${need[*]}" >&2
	echo "install: run as root to install them, or: sudo apt-get install ${need[*]}" >&2
	exit 1
fi
echo "install: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"
