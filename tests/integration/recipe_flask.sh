#!/bin/sh
# recipe_flask: the Flask recipe of README.md and gwd-worker(7), a real
# Flask app on the Python adapter (python3 -m gwd_worker --wsgi, gunicorn's
# gthread with 4 threads), is safe: see recipe_adapter.inc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"
. "$top_srcdir/tests/integration/recipe_adapter.inc"

need_modules flask gunicorn
documented README.md "python3 -m gwd_worker --wsgi app:app --threads 4"
documented man/gwd-worker.7 "python3 -m gwd_worker --wsgi app:app --threads 4"

APP_NAME=flask
write_app() {
	cat >"$T/app/app.py" <<APP
${2:-}
from flask import Flask

app = Flask(__name__)

@app.route("/")
def root():
    return "flask $1\n", 200, {"Content-Type": "text/plain"}
APP
}

adapter_recipe --wsgi app:app --threads 4
