#!/bin/sh
# bootstrap.sh: from a fresh Debian 12 checkout to a built gwd.
# Installs what is missing (as root), or prints the apt-get line; then
# autoreconf, configure and make.  Running it twice is harmless.
set -eu
cd "$(dirname "$0")"

# Build tools and libraries, then what the tests and benchmarks use (tmux:
# the terminal gwctl top is tested in; chromium: the status page test,
# headless), then the servers the recipe tests run
# (tests/integration/recipe_*.sh), and what the Python adapter
# (contrib/python) serves with and is tested with.
PKGS="build-essential autoconf automake libtool pkg-config
libevent-dev libjansson-dev libsqlite3-dev check
sqlite3 curl socat jq wrk python3 procps util-linux psmisc iproute2
valgrind systemd tmux prometheus chromium
gunicorn python3-uvicorn nodejs
python3-uvloop python3-httptools python3-fastapi python3-flask python3-django"
# The Kubernetes manifest test parses YAML (tests/integration/k8s_manifest.sh).
PKGS="$PKGS python3-yaml"
# make format and make format-check (.clang-format).
PKGS="$PKGS clang-format"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "bootstrap: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $missing
	else
		echo "bootstrap: missing packages; run as root:"
		echo "  apt-get install -y$missing"
		exit 1
	fi
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi
[ -f Makefile ] && [ Makefile -nt configure ] || ./configure ${CONFIGURE_FLAGS:-}
make -j"$(nproc)"
echo "bootstrap: done; try: ./gwd -w 4 -b 127.0.0.1:8000"
