from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import broker_state, database_state


def verify_rate(group, request) -> str:
    """The certificate verification page's rate per address (settings.VERIFY_RATE_LIMIT)."""
    return settings.VERIFY_RATE_LIMIT


def rate_limited(request, exception):
    """django-ratelimit's answer: 429 with the portal's page, like allauth's limits."""
    return render(request, "429.html", status=429)


def baseline(request):
    """The load benchmark's yardstick: a small template through the full middleware stack.
    Routed only when settings.BENCH_BASELINE is on (bench/load.py turns it on)."""
    return render(request, "bench_baseline.html", {"title": "baseline", "now": timezone.now()})


def home(request):
    return render(request, "home.html")


def privacy(request):
    return render(request, "privacy.html")


@require_GET
@never_cache
def healthz(request):
    """200 when the database answers (503 when not), with the broker's state for operators."""
    database = database_state()
    body = {"database": database, "broker": broker_state()}
    return JsonResponse(body, status=200 if database == "ok" else 503)
