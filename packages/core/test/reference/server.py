#!/usr/bin/python3
"""The reference simplejwt 5.2.2 (Debian's python3-djangorestframework-simplejwt) behind the demo
apps' HTTP contract, plus a few test-only routes, for the interoperability and differential tests.

    SIMPLE_JWT_JSON='{"ROTATE_REFRESH_TOKENS": true}' /usr/bin/python3 server.py PORT [--stop-on-stdin-eof]

PORT 0 asks the system for a free port. Once the socket is bound, one line
`listening on 127.0.0.1:PORT` (the bound port) goes to stdout. SIGTERM and SIGINT stop the server
and remove its temporary database; so does the end of stdin with --stop-on-stdin-eof, which lets
a test runner that dies without closing the server take it down with it.

Environment:
  SIMPLE_JWT_JSON  simplejwt's own setting names; *_LIFETIME in seconds, LEEWAY in seconds,
                   AUTH_HEADER_TYPES as a list, AUTH_TOKEN_CLASSES as a list of dotted paths.
  SECRET_KEY       Django's SECRET_KEY, simplejwt's default SIGNING_KEY.

Test-only routes:
  POST test/mint/     {"type": "access"|"refresh"|"sliding"|"pair", "user_id": 1, "claims": {...}}
                      -> {"token"} or, for "pair", {"refresh", "access"}
  POST test/inspect/  {"token", "class": "access"|"refresh"|"sliding"|"untyped"}
                      -> 200 {"payload"} or the 401 body simplejwt's token views give
  GET  test/health/   -> 200 {}
"""

import atexit
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from datetime import timedelta

import django
from django.conf import settings

DEFAULT_SECRET_KEY = "contract-secret-key-0123456789abcdef"


def simple_jwt_settings(raw):
    """simplejwt's settings from their JSON form: lifetimes come in seconds."""
    resolved = dict(raw)
    for name, value in raw.items():
        if name.endswith("_LIFETIME") and isinstance(value, (int, float)):
            resolved[name] = timedelta(seconds=value)
        elif name == "AUTH_HEADER_TYPES" and isinstance(value, list):
            resolved[name] = tuple(value)
    return resolved


DATA_DIR = tempfile.mkdtemp(prefix="simplejwt-reference-")
# Runs on SIGTERM and SIGINT too (see stop()), and after a crash at start-up.
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    USE_I18N=True,
    LANGUAGE_CODE="en-us",
    MIDDLEWARE=[
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "rest_framework_simplejwt",
        "rest_framework_simplejwt.token_blacklist",
    ],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(DATA_DIR, "reference.sqlite3"),
        }
    },
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework_simplejwt.authentication.JWTAuthentication",
        ],
        "UNAUTHENTICATED_USER": None,
    },
    SIMPLE_JWT=simple_jwt_settings(json.loads(os.environ.get("SIMPLE_JWT_JSON") or "{}")),
    # With DEBUG off, Django would keep a view's traceback to itself; the harness shows stderr.
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
    },
)
django.setup()

# simplejwt reads its settings when imported: these imports come after settings.configure().
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import permissions, views  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework_simplejwt import views as jwt_views  # noqa: E402
from rest_framework_simplejwt.authentication import (  # noqa: E402
    AUTH_HEADER_TYPES,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError  # noqa: E402
from rest_framework_simplejwt.tokens import (  # noqa: E402
    AccessToken,
    RefreshToken,
    SlidingToken,
    UntypedToken,
)


# --- the contract's routes ---------------------------------------------------------------------


class ProtectedView(views.APIView):
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        user = {"id": request.user.id, "username": request.user.username}
        return Response({"user": user, "token": request.auth.payload})


class AdminOnlyView(ProtectedView):
    permission_classes = [permissions.IsAdminUser]


class StatelessView(views.APIView):
    authentication_classes = [JWTStatelessUserAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response({"user": {"id": request.user.id}, "token": request.auth.payload})


class RegisterView(views.APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        username = request.data.get("username")
        password = request.data.get("password")
        if not (isinstance(username, str) and username and isinstance(password, str) and password):
            return Response({"detail": "username and password are required"}, status=400)
        if User.objects.filter(username=username).exists():
            return Response({"detail": "username taken"}, status=400)
        refresh = RefreshToken.for_user(User.objects.create_user(username=username, password=password))
        return Response({"refresh": str(refresh), "access": str(refresh.access_token)}, status=201)


# --- test-only routes --------------------------------------------------------------------------


class TestView(views.APIView):
    authentication_classes = []
    permission_classes = []

    def get_authenticate_header(self, request):
        # As simplejwt's token views do: without it, DRF turns a 401 into a 403.
        return '{} realm="api"'.format(AUTH_HEADER_TYPES[0])


def with_claims(token, claims):
    for name, value in claims.items():
        token[name] = value
    return token


class MintView(TestView):
    """Tokens minted by simplejwt's own classes, optionally with extra or overridden claims.

    For "pair" the claims go on the refresh token before the access token is derived from it
    (so copied claims are copied), then on the access token too (so `exp`, `jti` and the token
    type, which are not copied, can be set on both).
    """

    token_classes = {"access": AccessToken, "refresh": RefreshToken, "sliding": SlidingToken}

    def post(self, request):
        kind = request.data.get("type")
        claims = request.data.get("claims") or {}
        if kind not in ("pair", *self.token_classes) or not isinstance(claims, dict):
            return Response({"detail": "type must be access, refresh, sliding or pair"}, status=400)
        try:
            user = User.objects.get(id=request.data.get("user_id", 1))
        except (User.DoesNotExist, ValueError, TypeError):
            return Response({"detail": "no such user"}, status=404)
        if kind == "pair":
            refresh = with_claims(RefreshToken.for_user(user), claims)
            access = with_claims(refresh.access_token, claims)
            return Response({"refresh": str(refresh), "access": str(access)})
        token = with_claims(self.token_classes[kind].for_user(user), claims)
        return Response({"token": str(token)})


class InspectView(TestView):
    """Validates a token with one of simplejwt's token classes, answering as its views would."""

    token_classes = {
        "access": AccessToken,
        "refresh": RefreshToken,
        "sliding": SlidingToken,
        "untyped": UntypedToken,
    }

    def post(self, request):
        token_class = self.token_classes.get(request.data.get("class", "untyped"))
        token = request.data.get("token")
        if token_class is None or not isinstance(token, str):
            return Response({"detail": "token and class are required"}, status=400)
        try:
            return Response({"payload": token_class(token).payload})
        except TokenError as e:
            raise InvalidToken(e.args[0])


class HealthView(TestView):
    def get(self, request):
        return Response({})


urlpatterns = [
    path("api/token/", jwt_views.TokenObtainPairView.as_view()),
    path("api/token/refresh/", jwt_views.TokenRefreshView.as_view()),
    path("api/token/verify/", jwt_views.TokenVerifyView.as_view()),
    path("api/token/blacklist/", jwt_views.TokenBlacklistView.as_view()),
    path("api/token/sliding/", jwt_views.TokenObtainSlidingView.as_view()),
    path("api/token/sliding/refresh/", jwt_views.TokenRefreshSlidingView.as_view()),
    path("api/some-protected-view/", ProtectedView.as_view()),
    path("api/admin-only-view/", AdminOnlyView.as_view()),
    path("api/stateless-view/", StatelessView.as_view()),
    path("api/register/", RegisterView.as_view()),
    path("test/mint/", MintView.as_view()),
    path("test/inspect/", InspectView.as_view()),
    path("test/health/", HealthView.as_view()),
]


def seed():
    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user(id=1, username="alice", password="alice-password")
    User.objects.create_user(id=2, username="bob", password="bob-password", is_active=False)
    User.objects.create_user(
        id=3, username="admin", password="admin-password", is_staff=True, is_superuser=True
    )


def stop(signum, frame):
    raise SystemExit(0)


def stop_on_stdin_eof():
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader aborts the
    # interpreter's shutdown.
    while os.read(0, 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main():
    args = sys.argv[1:]
    port = int(args[0]) if args and args[0].isdigit() else 8001
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if "--stop-on-stdin-eof" in args:
        threading.Thread(target=stop_on_stdin_eof, daemon=True).start()
    seed()
    server = ThreadedWSGIServer(("127.0.0.1", port), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print("listening on 127.0.0.1:{}".format(server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
