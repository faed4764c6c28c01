#!/usr/bin/python3
"""Record Django REST framework's throttling decisions, for src/throttling.test.ts to replay.

Run with Debian's Python, which has Django 3.2 and DRF 3.14 installed:

    /usr/bin/python3 packages/core/scripts/throttle-vectors.py          # rewrite the file
    /usr/bin/python3 packages/core/scripts/throttle-vectors.py --check  # exit 1 if it is stale

Writes test/vectors/throttle.json: DRF's own SimpleRateThrottle (parse_rate, allow_request, wait)
under APIView.check_throttles, on a frozen clock and Django's local-memory cache; get_ident for
NUM_PROXIES 0, 1 and 2; and the 429 body and Retry-After header that DRF's exception handler
writes for Throttled, in a few languages.
"""
import json
import os
import sys

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "test", "vectors", "throttle.json")

settings.configure(
    SECRET_KEY="throttle-vectors", USE_I18N=True, LANGUAGE_CODE="en-us",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework",
                    "rest_framework_simplejwt", "rest_framework_simplejwt.token_blacklist"],
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import translation  # noqa: E402
from rest_framework.exceptions import Throttled  # noqa: E402
from rest_framework.settings import api_settings  # noqa: E402
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle  # noqa: E402
from rest_framework.views import APIView, exception_handler  # noqa: E402

clock = [0.0]


class ScopeThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle for one scope, keyed by the ident the step gives for it."""

    def __init__(self, scope, rate):
        self.scope = scope
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)

    def timer(self):
        return clock[0]

    def get_cache_key(self, request, view):
        ident = request.idents.get(self.scope)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Request:
    def __init__(self, idents):
        self.idents = idents


def run_scenario(name, steps):
    cache.clear()
    out = []
    for step in steps:
        clock[0] = step["now"]
        throttles = [ScopeThrottle(scope, rate) for scope, rate in step["rates"].items()]
        view = APIView()
        view.get_throttles = lambda throttles=throttles: throttles
        try:
            view.check_throttles(Request(step["idents"]))
            out.append({**step, "allowed": True})
        except Throttled as exc:
            response = exception_handler(exc, {})
            out.append({**step, "allowed": False, "wait": exc.wait,
                        "detail": str(response.data["detail"]),
                        "retryAfter": response.get("Retry-After")})
    return {"name": name, "steps": out}


def steps(rates, times, idents):
    return [{"now": t, "rates": rates, "idents": idents} for t in times]


SCENARIOS = [
    ("3/min for one address: the fourth is refused until the first leaves the window",
     steps({"login": "3/min"}, [0, 10, 20, 30, 59.5, 60, 61, 70, 80.25, 200],
           {"login": "10.0.0.1"})),
    ("waits are rounded up: 3/min, requests at 0, 0.5 and 1.7",
     steps({"login": "3/min"}, [0, 0.5, 1.7, 2.2, 30.01, 59.999], {"login": "10.0.0.1"})),
    ("one second: 1/s (singular), 2/sec",
     steps({"login": "1/s"}, [100, 100.5, 100.999, 101, 101.2], {"login": "a"})
     + steps({"login": "2/sec"}, [200, 200.1, 200.2, 200.6], {"login": "b"})),
    ("hours and days: 2/hour, 3/day",
     steps({"login": "2/hour"}, [0, 1000, 1800, 3599, 3600, 3601], {"login": "h"})
     + steps({"login": "3/day"}, [0, 1, 2, 3, 43200, 86400, 86401], {"login": "d"})),
    ("0/min refuses every request",
     steps({"login": "0/min"}, [0, 5, 100], {"login": "z"})),
    ("addresses are counted apart",
     [{"now": t, "rates": {"login": "2/min"}, "idents": {"login": ip}}
      for t, ip in [(0, "a"), (1, "b"), (2, "a"), (3, "a"), (4, "b"), (5, "b"), (6, "c")]]),
    ("two scopes: every throttle counts the request, the longest wait is given",
     [{"now": t, "rates": {"login": "3/min", "login_user": "4/hour"},
       "idents": {"login": ip, "login_user": user}}
      for t, ip, user in [(0, "a", "alice"), (1, "a", "alice"), (2, "b", "alice"),
                          (3, "a", "bob"), (4, "a", "alice"), (5, "b", "alice"),
                          (6, "c", "alice"), (61, "a", "alice"), (62, "a", "carol"),
                          (3600, "a", "alice"), (3601, "a", "alice")]]),
    ("no username: only the address is counted",
     [{"now": t, "rates": {"login": "2/min", "login_user": "1/hour"},
       "idents": {"login": "a", "login_user": None}} for t in [0, 1, 2]]),
    ("a rate lowered after requests were counted: the wait is unknown (None)",
     steps({"login": "5/min"}, [0, 1, 2, 3], {"login": "a"})
     + steps({"login": "2/min"}, [4, 5], {"login": "a"})
     + steps({"login": "3/min"}, [6], {"login": "a"})),
]


def idents():
    factory = RequestFactory()
    cases = []
    samples = [
        ("127.0.0.1", None),
        ("127.0.0.1", "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7, 10.0.0.1"),
        ("10.0.0.2", "198.51.100.9, 203.0.113.7, 10.0.0.1"),
        ("10.0.0.2", " 198.51.100.9 ,203.0.113.7 , 10.0.0.1 "),
        ("10.0.0.2", ""),
        ("10.0.0.2", ",,"),
        ("10.0.0.2", "2001:db8::1, 10.0.0.1"),
    ]
    for num_proxies in (0, 1, 2):
        api_settings.NUM_PROXIES = num_proxies
        for remote, xff in samples:
            meta = {"REMOTE_ADDR": remote}
            if xff is not None:
                meta["HTTP_X_FORWARDED_FOR"] = xff
            request = factory.get("/", **meta)
            cases.append({"numProxies": num_proxies, "remoteAddr": remote, "forwardedFor": xff,
                          "ident": BaseThrottle().get_ident(request)})
    api_settings.NUM_PROXIES = None
    return cases


def messages():
    out = []
    for language in ("en", "fr", "de", "ko", "ru", "zh-hans", "es", "pt-br"):
        translation.activate(language)
        for wait in (None, 0.25, 1, 1.5, 2, 59.2, 3600):
            response = exception_handler(Throttled(wait), {})
            out.append({"language": language, "wait": wait,
                        "status": response.status_code,
                        "body": {k: str(v) for k, v in response.data.items()},
                        "retryAfter": response.get("Retry-After")})
        translation.deactivate()
    return out


def rates():
    out = []
    for rate in ("5/min", "5/m", "5/minute", "100/hour", "100/h", "10/d", "10/day", "3/s",
                 "3/sec", "0/min", "1/mango", "007/s"):
        num, duration = SimpleRateThrottle.parse_rate(None, rate)
        out.append({"rate": rate, "numRequests": num, "duration": duration})
    return out


def generate():
    data = {
        "drf": __import__("rest_framework").VERSION,
        "rates": rates(),
        "scenarios": [run_scenario(name, s) for name, s in SCENARIOS],
        "idents": idents(),
        "messages": messages(),
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv):
    text = generate()
    current = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else None
    if "--check" in argv:
        if current != text:
            print("out of date: test/vectors/throttle.json", file=sys.stderr)
            return 1
        print("throttle vectors are up to date")
        return 0
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("wrote test/vectors/throttle.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
