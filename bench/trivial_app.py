"""The yardstick: a trivial Django view returning a constant 8 KB page, served by gunicorn the
same way as Newsroom. Every figure in bench/run.py is also given as a share of this one's rate.

    gunicorn bench.trivial_app:application --workers 2 --bind 127.0.0.1:8101
"""

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

PAGE = b"<!doctype html><title>t</title>" + b"x" * (8192 - 32)

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()


def constant(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", constant)]
application = get_wsgi_application()
