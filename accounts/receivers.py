"""Cached pages built on an account (its name, roles, language) are invalidated when it changes."""

from __future__ import annotations

from talentportal import pagecache

from .models import User


def user_changed(sender, instance: User, **kwargs) -> None:
    pagecache.bump(f"user:{instance.pk}")


def connect() -> None:
    pagecache.connect_receivers("accounts", [(User, user_changed)])
