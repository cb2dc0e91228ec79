"""Evidence about a learner that other apps hold: prizes won in competitions and the like.

The hiring pages show a learner's evidence on the apply form, in the consent snapshot and in the
talent pool, but the apps that hold it may sit anywhere in the layers. As with role flags
(accounts.roles), each app that holds evidence registers a provider here when it starts
(``AppConfig.ready``) and the pages that show evidence read every provider through
``for_users``. ``accounts`` stays below them all: they register into it, it never imports them.

A provider takes a list of user ids and returns, for each user that has any, their evidence
items, newest first, in a fixed number of queries whatever the number of users (the talent pool
reads a page of learners at once).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass

from accounts.models import User


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: ``kind`` is the provider's name and ``key`` identifies the item
    among the user's (the learner's choice to share it is recorded by ``choice_key``);
    ``detail`` is a short line such as "一等奖 · 省赛 · 2026"; ``verify_path`` is the path of
    the public page that confirms it (the hiring pages make it absolute)."""

    kind: str
    key: str
    title: str
    detail: str
    date: datetime.date | None
    verify_path: str

    @property
    def choice_key(self) -> str:
        return f"{self.kind}:{self.key}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["choice_key"] = self.choice_key
        return data


Provider = Callable[[list[int]], dict[int, list[Evidence]]]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Read ``name``'s evidence with ``provider`` (user ids → each user's items, bulk)."""
    _PROVIDERS[name] = provider


def is_registered(name: str) -> bool:
    return name in _PROVIDERS


def for_users(user_ids: list[int]) -> dict[int, list[Evidence]]:
    """Every provider's evidence for ``user_ids``: one call per provider, whatever the number of
    users. Users without evidence are absent."""
    found: dict[int, list[Evidence]] = {}
    if not user_ids:
        return found
    for provider in _PROVIDERS.values():
        for user_id, items in provider(list(user_ids)).items():
            found.setdefault(user_id, []).extend(items)
    return found


def for_user(user: User) -> list[Evidence]:
    """Every provider's evidence for one user."""
    if not getattr(user, "is_authenticated", False):
        return []
    return for_users([user.pk]).get(user.pk, [])
