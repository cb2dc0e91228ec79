"""The county picker: search or browse the divisions without JavaScript, and the sign-up form's
type-ahead."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import County, Prefecture, Province
from .selectors import MAX_MATCHES

PICKER_PAGE_SIZE = 30


def _safe_next(request) -> str:
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("account_signup")


def _with_county(url: str, code: str) -> str:
    parts = urlsplit(url)
    query = urlencode({"county": code})
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


@require_GET
def county_picker(request):
    """Choose a county without JavaScript: search by name or code, or browse
    province → prefecture → county. Each county links back to ``next`` with ``?county=CODE``."""
    next_url = _safe_next(request)
    query = request.GET.get("q", "").strip()[:30]
    context = {"next_url": next_url, "query": query}
    counties = None
    if query:
        page = Paginator(
            County.objects.with_parents().search(query).order_by("code"), PICKER_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        context["page"] = page
        counties = page.object_list
    elif prefecture_code := request.GET.get("prefecture"):
        prefecture = get_object_or_404(Prefecture.objects.select_related("province"), code=prefecture_code)
        context.update(province=prefecture.province, prefecture=prefecture)
        counties = County.objects.with_parents().filter(prefecture=prefecture)
    elif province_code := request.GET.get("province"):
        province = get_object_or_404(Province, code=province_code)
        prefectures = list(province.prefectures.all())
        context["province"] = province
        if len(prefectures) == 1:
            counties = County.objects.with_parents().filter(prefecture=prefectures[0])
        else:
            context["prefectures"] = prefectures
    else:
        context["provinces"] = Province.objects.all()
    if counties is not None:
        context["county_links"] = [(county, _with_county(next_url, county.code)) for county in counties]
    return render(request, "counties/picker.html", context)


@require_GET
@cache_control(public=True, max_age=3600)
def county_search(request):
    """Up to MAX_MATCHES counties for the sign-up form's type-ahead (JSON)."""
    query = request.GET.get("q", "").strip()[:30]
    counties = County.objects.with_parents().search(query)[:MAX_MATCHES] if query else []
    return JsonResponse(
        {"results": [{"code": county.code, "label": county.full_name} for county in counties]},
        json_dumps_params={"ensure_ascii": False},
    )
