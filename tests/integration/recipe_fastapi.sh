#!/bin/sh
# recipe_fastapi: the FastAPI recipe of README.md and gwd-worker(7), a real
# FastAPI app on the Python adapter (python3 -m gwd_worker --asgi), is safe:
# see recipe_adapter.inc for what is checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"
. "$top_srcdir/tests/integration/recipe_adapter.inc"

need_modules fastapi uvicorn
documented README.md "python3 -m gwd_worker --asgi main:app"
documented man/gwd-worker.7 "python3 -m gwd_worker --asgi main:app"

APP_NAME=fastapi
write_app() {
	cat >"$T/app/main.py" <<APP
${2:-}
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()

@app.get("/", response_class=PlainTextResponse)
async def root():
    return "fastapi $1\n"
APP
}

adapter_recipe --asgi main:app
