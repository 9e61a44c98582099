#!/bin/sh
# tests/python/run.sh: the unit tests of contrib/python/gwd_worker (the
# Python adapter), python3 -m unittest, as one make check test.  Exit 77
# with the reason when python3 or a server the adapter needs is missing
# (bootstrap.sh installs them).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: no $PY"; exit 77; }
for m in uvicorn gunicorn; do
	"$PY" -c "import $m" 2>/dev/null || {
		echo "SKIP: python_unit: $PY cannot import $m" \
		    "(apt-get install python3-uvicorn gunicorn)"
		exit 77
	}
done
"$PY" -c 'import uvloop, httptools' 2>/dev/null ||
    echo "note: no uvloop/httptools: ASGI runs on asyncio and h11"
GWD_PYTHON_SRC=$top_srcdir/contrib/python
# no __pycache__ in the source tree
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
export GWD_PYTHON_SRC
cd "$top_srcdir/tests/python"
exec timeout 300 "$PY" -W ignore::ResourceWarning -m unittest -v test_gwd_worker
