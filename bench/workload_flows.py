"""What each kind of user does in the workload benchmark, page by page, with real forms.

One definition serves both drivers: bench/locustfile.py times these journeys over HTTP, and
bench/workload.py runs one of each in-process to count SQL statements per request, so the loop
whose queries are counted is the loop that is timed. No Django here (locust's process must stay
light: it shares the machine with the server), and pages are read with regular expressions.

A journey talks to a ``Browser``: one person's cookies and a way to send requests. Every request
states what it expects (status, where a redirect goes, a piece of the page); anything else is
recorded as an error under the request's name and ends that person's loop (``Abort``).
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, urlsplit

LOGIN_PATH = "/accounts/login/"
REDIRECTS = (301, 302, 303, 307, 308)
DASHBOARD = "/learn/"
LESSON = re.compile(r"^/learn/courses/[\w-]+/lessons/\d+/$")
QUIZ = re.compile(r"^/learn/courses/[\w-]+/quizzes/\d+/$")
QUIZ_RESULT = re.compile(r"^/learn/courses/[\w-]+/quizzes/\d+/attempts/\d+/$")
STEP = re.compile(r"^/learn/courses/[\w-]+/(lessons|quizzes)/\d+/$")
AFTER_MARK_DONE = re.compile(r"^/learn/(courses/[\w-]+/(lessons|quizzes)/\d+/)?$")
SESSIONS = re.compile(r"^/counties/coordinator/cohorts/\d+/sessions/$")
NOT_SIGN_UP = re.compile(r"^/(?!accounts/signup/)")
NOT_SIGN_IN = re.compile(r"^/(?!accounts/login/)")


@dataclass
class Page:
    status: int  # 0 when no answer came (connection refused, timeout)
    location: str  # a redirect's target as a local path ("" when not a redirect)
    text: str


class Abort(Exception):
    """The page was not what the journey expected (already recorded as an error)."""


class Browser(Protocol):
    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        data: Sequence[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
        contains: str = "",
        goes_to: re.Pattern[str] | None = None,
        throttled: str = "",
    ) -> Page:
        """Send one request without following redirects and check the answer (see ``judge``)."""
        ...


def judge(
    page: Page, expect: tuple[int, ...], contains: str, goes_to: re.Pattern[str] | None, throttled: str
) -> tuple[str, str]:
    """(name to record it under instead, or "", error or ""): what both drivers do with an answer.

    A 429 is the rate limit: recorded under ``throttled`` when the journey measures throttling,
    an error otherwise. Error texts are few and fixed, so they group in locust's failure table.
    """
    if page.status == 429 and throttled:
        return throttled, ""
    if page.status == 0:
        return "", "no answer (connection error or timeout)"
    if page.status in REDIRECTS and page.location.startswith(LOGIN_PATH):
        return "", "redirected to sign-in"
    if page.status >= 500:
        return "", f"HTTP {page.status} (server error)"
    if page.status not in expect:
        problem = form_errors(page.text) if page.status == 200 else ""
        return "", f"HTTP {page.status}, expected {'/'.join(map(str, expect))}" + (
            f": {problem}" if problem else ""
        )
    if page.status in REDIRECTS and goes_to is not None and not goes_to.match(page.location):
        return "", "redirected somewhere unexpected"
    if contains and contains not in page.text:
        return "", "not the expected page"
    return "", ""


def local_path(location: str) -> str:
    """A Location header as a path on our server; off-site targets are refused."""
    if not location:
        return ""
    parts = urlsplit(location)
    if parts.netloc and parts.hostname not in ("127.0.0.1", "localhost"):
        return "/off-site/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


_ERRORS = re.compile(r'class="(?:errors|errorlist)[^"]*"[^>]*>(.*?)</(?:div|ul)>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def form_errors(text: str) -> str:
    """The first error a re-rendered form shows, in short (why a POST answered 200)."""
    match = _ERRORS.search(text)
    if not match:
        return ""
    return " ".join(html.unescape(_TAGS.sub(" ", match.group(1))).split())[:80]


# --- forms ------------------------------------------------------------------------------------

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_ATTR = re.compile(r'([\w:-]+)(?:\s*=\s*"([^"]*)")?')
_CONTROL = re.compile(r"<(input|button)\b([^>]*)>", re.I)
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S | re.I)
_OPTION = re.compile(r"<option\b([^>]*)>", re.I)
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S | re.I)


def _attrs(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value) for name, value in _ATTR.findall(text)}


@dataclass
class Form:
    """A form as a browser would submit it untouched, and the choices its radios and selects offer."""

    action: str
    values: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    submit: tuple[str, str] | None = None  # the first named submit button, sent as if clicked

    def data(self, **changes: str) -> list[tuple[str, str]]:
        values = {**self.values, **changes}
        if self.submit:
            values.setdefault(*self.submit)
        return list(values.items())


def find_form(text: str, page_path: str, marker: str) -> Form | None:
    """The first form on the page whose opening tag or body contains ``marker``."""
    for attrs, body in _FORM.findall(text):
        if marker in attrs or marker in body:
            return _parse_form(_attrs(attrs), body, page_path)
    return None


def _parse_form(attrs: dict[str, str], body: str, page_path: str) -> Form:
    form = Form(action=local_path(attrs.get("action", "")) or page_path)
    for tag, raw in _CONTROL.findall(body):
        control = _attrs(raw)
        name, kind = control.get("name", ""), control.get("type", "submit" if tag == "button" else "text")
        value = control.get("value", "")
        if kind == "submit":
            if name and form.submit is None:
                form.submit = (name, value)
        elif not name or kind in ("reset", "image", "file"):
            continue
        elif kind == "radio":
            form.choices.setdefault(name, []).append(value)
            if "checked" in control:
                form.values[name] = value
        elif kind == "checkbox":
            # A group of checkboxes (a multiple-choice question) is offered like radios: the
            # journey ticks one of them.
            form.choices.setdefault(name, []).append(value or "on")
            if "checked" in control:
                form.values[name] = value or "on"
        else:
            form.values[name] = value
    for raw, options in _SELECT.findall(body):
        name = _attrs(raw).get("name", "")
        offered = [_attrs(option) for option in _OPTION.findall(options)]
        if name and offered:
            form.choices[name] = [option.get("value", "") for option in offered]
            chosen = next((option for option in offered if "selected" in option), offered[0])
            form.values[name] = chosen.get("value", "")
    for raw, content in _TEXTAREA.findall(body):
        if name := _attrs(raw).get("name", ""):
            form.values[name] = html.unescape(content)
    return form


def require_form(page: Page, path: str, marker: str) -> Form:
    """The form the journey submits. Its marker was checked with the page, so a miss here is
    the parser's fault, not the portal's: raised as such (locust lists it under exceptions)."""
    form = find_form(page.text, path, marker)
    if form is None:
        raise LookupError(f"no form with {marker!r} on {path}")
    return form


def step_name(path: str) -> str:
    """The endpoint a learner lands on after a redirect, named like the rest of the table."""
    if LESSON.match(path):
        return "lesson"
    if QUIZ.match(path):
        return "quiz GET"
    if path.startswith(DASHBOARD) and path.split("?")[0] == DASHBOARD:
        return "dashboard"
    return "other page"


# --- journeys ---------------------------------------------------------------------------------


def baseline_loop(browser: Browser) -> None:
    browser.request("GET", "/bench/baseline/", name="baseline")


def learner_loop(browser: Browser, rng: random.Random, quiz_share: float) -> None:
    """Dashboard → a course's page → continue (redirect to where they left off) → lesson →
    mark it done (the page's POST form) → the next step → in ``quiz_share`` of loops the
    course's quiz (GET, POST with chosen answers, result) → dashboard."""
    dashboard = browser.request("GET", DASHBOARD, name="dashboard", contains='href="/learn/courses/')
    slugs = sorted(set(re.findall(r'href="/learn/courses/([\w-]+)/"', dashboard.text)))
    if not slugs:
        return  # nothing open to study (every enrolment closed): nothing more to do
    slug = rng.choice(slugs)
    browser.request("GET", f"/courses/{slug}/", name="course page", contains=f'href="/learn/courses/{slug}/"')
    resume = browser.request(
        "GET", f"/learn/courses/{slug}/", name="continue (redirect)", expect=(302,), goes_to=STEP
    )
    at_quiz = bool(QUIZ.match(resume.location))  # every lesson done: only the quiz is left
    step = browser.request(
        "GET",
        resume.location,
        name=step_name(resume.location),
        contains='name="token"' if at_quiz else '/complete/"',
    )
    if at_quiz:
        take_quiz(browser, rng, resume.location, step)
    else:
        form = require_form(step, resume.location, '/complete/"')
        done = browser.request(
            "POST", form.action, name="mark done", data=form.data(), expect=(302,), goes_to=AFTER_MARK_DONE
        )
        browser.request("GET", done.location, name=step_name(done.location))
        quizzes = re.findall(r'href="(/learn/courses/[\w-]+/quizzes/\d+/)"', step.text)
        if quizzes and rng.random() < quiz_share:
            path = quizzes[-1]  # the final quiz comes last in the outline
            quiz = browser.request("GET", path, name="quiz GET", contains='name="token"')
            take_quiz(browser, rng, path, quiz)
    browser.request("GET", DASHBOARD, name="dashboard", contains='href="/learn/courses/')


def take_quiz(browser: Browser, rng: random.Random, path: str, page: Page) -> None:
    """Answer every question with a random choice and submit (about one in four passes)."""
    form = find_form(page.text, path, 'name="token"')
    if form is None:
        return  # no attempt left: the page says so, nothing to submit
    answers = {name: rng.choice(values) for name, values in form.choices.items() if values}
    sent = browser.request(
        "POST", form.action, name="quiz POST", data=form.data(**answers), expect=(302,), goes_to=QUIZ_RESULT
    )
    browser.request("GET", sent.location, name="quiz result")


def coordinator_loop(browser: Browser, rng: random.Random, cohort: int, sessions: Sequence[int]) -> None:
    """Home → the class's roster → a class session's roll call → save it for the whole class
    (a few learners marked absent or excused) → the session list it lands on → roster."""
    browser.request(
        "GET", "/counties/coordinator/", name="coordinator home", contains="/counties/coordinator/cohorts/"
    )
    roster = f"/counties/coordinator/cohorts/{cohort}/roster/"
    browser.request("GET", roster, name="roster", contains="<table")
    path = f"/counties/coordinator/cohorts/{cohort}/sessions/{rng.choice(sessions)}/roll-call/"
    page = browser.request("GET", path, name="roll call GET", contains='name="learner_')
    form = require_form(page, path, 'name="learner_')
    marks = {
        name: rng.choices(["present", "absent", "excused"], weights=[85, 10, 5])[0]
        for name, values in form.choices.items()
        if name.startswith("learner_") and {"present", "absent", "excused"} <= set(values)
    }
    saved = browser.request(
        "POST", form.action, name="roll call POST", data=form.data(**marks), expect=(302,), goes_to=SESSIONS
    )
    browser.request("GET", saved.location, name="sessions", contains="/roll-call/")
    browser.request("GET", roster, name="roster", contains="<table")


def staff_loop(browser: Browser, rng: random.Random) -> None:
    """The programme dashboard → a province's figures → one of its prefectures' figures."""
    page = browser.request("GET", "/figures/", name="programme dashboard", contains='href="?province=')
    provinces = re.findall(r'href="\?(province=\d+)"', page.text)
    province = browser.request("GET", f"/figures/?{rng.choice(provinces)}", name="drill-down: province")
    prefectures = re.findall(r'href="\?([^"#]*prefecture=\d+[^"#]*)"', province.text)
    if prefectures:
        query = html.unescape(rng.choice(prefectures))
        browser.request("GET", f"/figures/?{query}", name="drill-down: prefecture")


def sign_up(browser: Browser, rng: random.Random, person: dict[str, str]) -> None:
    """A learner in class: finds the county in the no-JavaScript picker, opens the sign-up form
    it links to (county filled in) and submits it; the portal signs them in."""
    picker = browser.request(
        "GET",
        f"/counties/pick/?q={quote(person['county_name'])}&next=/accounts/signup/",
        name="county picker",
        contains=f"county={person['county_code']}",
    )
    links = re.findall(rf'href="([^"]*county={person["county_code"]})"', picker.text)
    path = local_path(html.unescape(links[0]))
    page = browser.request("GET", path, name="sign-up page", contains='name="password1"')
    form = require_form(page, path, 'name="password1"')
    fields = {
        "name": person["name"],
        "email": person["email"],
        "password1": person["password"],
        "password2": person["password"],
        "school": person["school"],
        "privacy_consent": "on",
    }
    for choice in ("gender", "birth_year"):
        if form.choices.get(choice):
            fields[choice] = rng.choice(form.choices[choice])
    sent = browser.request(
        "POST",
        form.action,
        name="sign-up POST",
        data=form.data(**fields),
        expect=(302,),
        goes_to=NOT_SIGN_UP,
        throttled="sign-up POST (throttled)",
    )
    if sent.status != 429:
        browser.request("GET", sent.location, name="after sign-up", expect=(200, 302))


def sign_in(browser: Browser, email: str, password: str) -> None:
    """A learner in class signs in with the login form (email and password)."""
    page = browser.request("GET", LOGIN_PATH, name="sign-in page", contains='name="password"')
    form = require_form(page, LOGIN_PATH, 'name="password"')
    sent = browser.request(
        "POST",
        form.action,
        name="sign-in POST",
        data=form.data(login=email, password=password),
        expect=(302,),
        goes_to=NOT_SIGN_IN,
        throttled="sign-in POST (throttled)",
    )
    if sent.status != 429:
        browser.request("GET", sent.location, name="after sign-in", expect=(200, 302))
