"""The reference simplejwt 5.2.2 (packages/core/test/reference/server.py, Debian's
python3-djangorestframework-simplejwt) as a WSGI application for gunicorn, plus the contract's
protected view without authentication, for the benchmark's ratios:

    SIMPLEJWT_REFERENCE_DIR=.../core/test/reference BENCH_PAYLOAD='{...}' \
        gunicorn --chdir packages/bench/reference bench_reference:application

Each worker imports server.py, which configures Django with its own temporary SQLite database; the
worker then migrates it and creates the contract's users (the same ids in every worker).
"""

import json
import os
import sys

sys.path.insert(0, os.environ["SIMPLEJWT_REFERENCE_DIR"])

import server  # noqa: E402  (configures Django)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import views  # noqa: E402
from rest_framework.response import Response  # noqa: E402

PAYLOAD = json.loads(os.environ.get("BENCH_PAYLOAD") or "{}")


class UnprotectedView(views.APIView):
    """The protected view's answer, with the same bytes, and no authentication."""

    authentication_classes = []
    permission_classes = []

    def get(self, request):
        return Response({"user": {"id": 1, "username": "alice"}, "token": PAYLOAD})


server.urlpatterns.append(path("bench/unprotected-view/", UnprotectedView.as_view()))
server.seed()
application = get_wsgi_application()
