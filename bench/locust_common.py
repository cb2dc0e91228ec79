"""What both locust files (bench/locustfile.py, bench/exam_locustfile.py) share: a person's
browser over a locust user's HTTP client, and the final figures written as JSON when locust quits.
Reads no configuration, so either locust file may import it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.stats import StatsEntry, StatsError
from workload_flows import Abort, Page, judge, local_path


def write_final_stats(environment: Environment | None, path: str | None) -> None:
    """The final figures, as JSON at ``path``: locust's CSV files are rewritten once a second
    and miss the last moments of a run. Nothing without a path or a runner."""
    if not path or environment is None or environment.runner is None:
        return
    runner = environment.runner

    def entry(stats: StatsEntry) -> dict:
        return {
            "name": stats.name,
            "requests": stats.num_requests,
            "failures": stats.num_failures,
            "rps": stats.total_rps,
            **{f"p{round(q * 100)}": stats.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)},
            "max": stats.max_response_time or 0,
        }

    result = {
        "entries": [entry(stats) for stats in runner.stats.entries.values() if stats.num_requests],
        "total": entry(runner.stats.total),
        "errors": [
            [error.name, StatsError.parse_error(error.error), error.occurrences]
            for error in runner.stats.errors.values()
        ],
        "exceptions": [[item["msg"], item["count"]] for item in runner.exceptions.values()],
    }
    Path(path).write_text(json.dumps(result), encoding="utf-8")


class CookieBrowser:
    """One person's browser: their cookies (kept by hand, so a locust user can be a different
    learner each loop) over the locust user's HTTP client, which times and records requests."""

    def __init__(
        self, client: FastHttpSession, cookies: dict[str, str], environment: Environment | None = None
    ) -> None:
        self.client = client
        self.cookies = cookies
        self.environment = environment

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
        headers = {"Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(list(data))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method, path, name=name, data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.headers is not None:
                self._keep_cookies(response.headers.get_all("set-cookie") or [])
            page = Page(
                response.status_code,
                local_path(response.headers.get("location", "") if response.headers is not None else ""),
                (response.text or "") if response.status_code else "",
            )
            rename, error = judge(page, expect, contains, goes_to, throttled)
            if rename:
                response.request_meta["name"] = rename
            if error:
                response.failure(error)
                raise Abort(error)
            response.success()
            return page

    def span(self, name: str, milliseconds: float) -> None:
        """A time that spans several requests (start → paper shown), as a row of its own."""
        assert self.environment is not None, "a span needs the locust environment"
        self.environment.events.request.fire(
            request_type="SPAN", name=name, response_time=milliseconds, response_length=0, exception=None,
            context={},
        )  # fmt: skip

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, _, attributes = header.partition(";")
            key, _, value = pair.strip().partition("=")
            if not value or "max-age=0" in attributes.lower():
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value
