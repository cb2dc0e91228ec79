"""The visitor cache's own rules (talentportal.visitorcache): what is stored, who gets a stored
page, the CSRF token, one page per language and URL, and the timeout as the only expiry."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.utils import translation

from talentportal import visitorcache
from talentportal.visitorcache import CSRF_PLACEHOLDER, cache_for_visitors

factory = RequestFactory()


def counting(view):
    """``view`` wrapped so that the test can count how often it really ran."""
    calls = []

    def counted(request, *args, **kwargs):
        calls.append(request)
        return view(request, *args, **kwargs)

    return counted, calls


def page(body: bytes = b"<p>page</p>", **response_kwargs):
    return counting(
        lambda request: HttpResponse(body, content_type="text/html; charset=utf-8", **response_kwargs)
    )


def get(path: str = "/page/", user=None, method: str = "get", **cookies):
    request = getattr(factory, method)(path)
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies)
    return request


def test_a_visitors_second_request_is_served_without_the_view(db):
    view, calls = page()
    cached = cache_for_visitors(60)(view)
    assert cached(get()).content == b"<p>page</p>"
    second = cached(get())
    assert second.status_code == 200
    assert second.content == b"<p>page</p>"
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert len(calls) == 1


def test_a_template_response_is_rendered_and_stored(db):
    template = engines["django"].from_string("<p>{{ word }}</p>")
    view, calls = counting(lambda request: TemplateResponse(request, template, {"word": "模板"}))
    cached = cache_for_visitors(60)(view)
    cached(get())
    assert cached(get()).content.decode() == "<p>模板</p>"
    assert len(calls) == 1


def test_only_plain_successful_html_is_stored(db):
    def with_cookie(request):
        response = HttpResponse(b"x", content_type="text/html")
        response.set_cookie("seen", "1")
        return response

    for view in (
        lambda request: HttpResponse(b"missing", content_type="text/html", status=404),
        lambda request: JsonResponse({"a": 1}),
        with_cookie,
    ):
        counted, calls = counting(view)
        cached = cache_for_visitors(60)(counted)
        cached(get())
        cached(get())
        assert len(calls) == 2, view


def test_stored_pages_are_not_given_to_signed_in_users_sessions_messages_or_posts(db, learner, settings):
    view, calls = page()
    cached = cache_for_visitors(60)(view)
    cached(get())  # stored
    cached(get(user=learner))
    cached(get(**{settings.SESSION_COOKIE_NAME: "abc"}))
    cached(get(messages="xyz"))
    cached(get(method="post"))
    assert len(calls) == 5
    cached(get())
    assert len(calls) == 5  # the visitors' page is still there


def test_pages_rendered_for_signed_in_users_are_not_stored_for_visitors(db, learner):
    bodies = iter([b"<p>learner</p>", b"<p>visitor</p>"])
    view, calls = counting(lambda request: HttpResponse(next(bodies), content_type="text/html"))
    cached = cache_for_visitors(60)(view)
    assert cached(get(user=learner)).content == b"<p>learner</p>"
    assert cached(get()).content == b"<p>visitor</p>"
    assert len(calls) == 2


def test_the_csrf_token_is_a_placeholder_in_the_cache_and_fresh_in_each_answer(db):
    form = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="abcdef"></form>'
    view, _calls = page(form)
    cached = cache_for_visitors(60)(view)
    cached(get())
    request = get()
    served = cached(request).content
    assert b"abcdef" not in served
    assert CSRF_PLACEHOLDER not in served
    assert b'name="csrfmiddlewaretoken" value="' in served
    assert request.META.get("CSRF_COOKIE")  # the middleware will set the cookie that goes with it


def test_each_language_and_url_is_a_page_of_its_own(db):
    view, calls = counting(
        lambda request: HttpResponse(
            f"{translation.get_language()} {request.get_full_path()}".encode(), content_type="text/html"
        )
    )
    cached = cache_for_visitors(60)(view)
    with translation.override("en"):
        assert cached(get("/page/")).content == b"en /page/"
        assert cached(get("/page/?sort=name")).content == b"en /page/?sort=name"
    with translation.override("zh-hans"):
        assert cached(get("/page/")).content == b"zh-hans /page/"
    assert len(calls) == 3
    with translation.override("en"):
        assert cached(get("/page/")).content == b"en /page/"
    assert len(calls) == 3


def test_a_page_is_stored_for_its_timeout_and_rendered_again_once_it_expires(db, monkeypatch):
    timeouts = []
    store = cache.set

    def set_and_record(key, value, timeout=None, **kwargs):
        timeouts.append(timeout)
        store(key, value, timeout, **kwargs)

    monkeypatch.setattr(visitorcache.cache, "set", set_and_record)
    bodies = iter([b"<p>old</p>", b"<p>new</p>"])
    view, calls = counting(lambda request: HttpResponse(next(bodies), content_type="text/html"))
    cached = cache_for_visitors(90)(view)
    cached(get())
    assert cached(get()).content == b"<p>old</p>"  # nothing invalidates it before the timeout
    assert timeouts == [90]

    cache.clear()  # what the timeout does to the entry

    assert cached(get()).content == b"<p>new</p>"
    assert len(calls) == 2
