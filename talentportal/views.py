from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import broker_state, database_state


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
