"""The page cache's own rules: stamps, what is stored, who gets a cached page."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from talentportal import pagecache

factory = RequestFactory()


def make_view(body=b"<p>page</p>", **response_kwargs):
    calls = []

    def view(request):
        calls.append(request)
        return HttpResponse(body, content_type="text/html; charset=utf-8", **response_kwargs)

    return view, calls


def get(path="/page/", user=None, **cookies):
    request = factory.get(path)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.COOKIES.update(cookies)
    return request


def test_a_bump_changes_the_token_and_an_unknown_stamp_gets_one(db):
    first = pagecache.stamp_token(["cohort:1", "user:2"])
    assert pagecache.stamp_token(["cohort:1", "user:2"]) == first
    pagecache.bump("user:2")
    assert pagecache.stamp_token(["cohort:1", "user:2"]) != first
    assert pagecache.stamp_token(["cohort:1"]) == pagecache.stamp_token(["cohort:1"])


def test_a_page_is_served_until_its_stamp_is_bumped(db):
    view, calls = make_view()
    cached = pagecache.cached_page(lambda request: ["cohort:9"], who="visitor")(view)
    assert cached(get()).content == b"<p>page</p>"
    assert cached(get()).content == b"<p>page</p>"
    assert len(calls) == 1
    pagecache.bump("cohort:9")
    cached(get())
    assert len(calls) == 2
    cached(get("/page/?sort=name"))  # another URL, another page
    assert len(calls) == 3


def test_a_page_rendered_before_a_bump_is_never_served_after_it(db):
    """The reader takes the stamps first: what it renders from older data goes under a dead key."""

    bodies = iter([b"old", b"new"])

    def view(request):
        body = next(bodies)
        if body == b"old":
            pagecache.bump("cohort:5")  # a writer commits while the old page is being rendered
        return HttpResponse(body, content_type="text/html")

    cached = pagecache.cached_page(lambda request: ["cohort:5"], who="visitor")(view)
    assert cached(get()).content == b"old"
    assert cached(get()).content == b"new"


def test_only_plain_successful_html_is_stored(db):
    for view in (
        make_view(status=404)[0],
        lambda request: JsonResponse({"a": 1}),
    ):
        calls = []

        def counting(request, view=view, calls=calls):
            calls.append(1)
            return view(request)

        cached = pagecache.cached_page(pagecache.no_stamps, who="visitor")(counting)
        cached(get())
        cached(get())
        assert len(calls) == 2

    def with_cookie(request):
        response = HttpResponse(b"x", content_type="text/html")
        response.set_cookie("seen", "1")
        return response

    calls = []
    cached = pagecache.cached_page(pagecache.no_stamps, who="visitor")(
        lambda request: calls.append(1) or with_cookie(request)
    )
    cached(get())
    cached(get())
    assert len(calls) == 2


def test_visitor_pages_are_not_given_to_signed_in_users_or_sessions(db, learner):
    view, calls = make_view()
    cached = pagecache.cached_page(pagecache.no_stamps, who="visitor")(view)
    cached(get())
    cached(get(user=learner))
    cached(get(sessionid="abc"))
    cached(get(messages="xyz"))
    assert len(calls) == 4


def test_user_pages_are_per_user_and_follow_the_user_stamp(db, learner, coordinator):
    view, calls = make_view()
    cached = pagecache.cached_page(pagecache.no_stamps)(view)
    cached(get())  # a visitor gets the view as is
    cached(get(user=learner))
    cached(get(user=learner))
    assert len(calls) == 2
    cached(get(user=coordinator))
    assert len(calls) == 3
    learner.name = "新名字"
    learner.save()  # the account changed: its pages go
    cached(get(user=learner))
    assert len(calls) == 4


def test_the_csrf_token_is_a_placeholder_in_the_cache_and_fresh_in_each_answer(db):
    form = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="abcdef"></form>'
    view, _calls = make_view(form)
    cached = pagecache.cached_page(pagecache.no_stamps, who="visitor")(view)
    cached(get())
    request = get()
    served = cached(request).content
    assert b"abcdef" not in served
    assert pagecache.CSRF_PLACEHOLDER not in served
    assert b'name="csrfmiddlewaretoken" value="' in served
    assert request.META.get("CSRF_COOKIE")  # the middleware will set the cookie that goes with it


def test_an_unreachable_redis_degrades_to_no_cache():
    """Sessions, pages and stamps are copies: with Redis down, reads miss and writes are skipped."""
    from talentportal.redis_cache import RedisCache

    down = RedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert down.get("page", "missing") == "missing"
    assert down.get_many(["a", "b"]) == {}
    assert down.add("a", 1) is False
    down.set("a", 1)
    down.delete_many(["a", "b"])  # a bump during an outage does not fail the write it follows
