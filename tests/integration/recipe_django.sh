#!/bin/sh
# recipe_django: the Django recipe of README.md and gwd-worker(7), a
# minimal Django project (made here, as django-admin startproject would)
# on the Python adapter (python3 -m gwd_worker --wsgi mysite.wsgi), is
# safe: see recipe_adapter.inc.  The broken deploy is an import error in
# the project's urls, which Django's WSGI handler imports at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"
. "$top_srcdir/tests/integration/recipe_adapter.inc"

need_modules django gunicorn
documented README.md "python3 -m gwd_worker --wsgi mysite.wsgi --threads 4"
documented man/gwd-worker.7 "python3 -m gwd_worker --wsgi mysite.wsgi --threads 4"

APP_NAME=django
write_app() {
	mkdir -p "$T/app/mysite"
	: >"$T/app/mysite/__init__.py"
	cat >"$T/app/mysite/settings.py" <<APP
SECRET_KEY = "gwd-recipe-test"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
APP
	cat >"$T/app/mysite/urls.py" <<APP
${2:-}
from django.http import HttpResponse
from django.urls import path

def root(request):
    return HttpResponse("django $1\n", content_type="text/plain")

urlpatterns = [path("", root)]
APP
	cat >"$T/app/mysite/wsgi.py" <<APP
import os
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
application = get_wsgi_application()
# Django imports the URLconf on the first request: import it now, so that
# a broken deploy fails before READY=1 (gwd-worker(7)).
from django.urls import get_resolver
get_resolver().url_patterns
APP
}

adapter_recipe --wsgi mysite.wsgi --threads 4
