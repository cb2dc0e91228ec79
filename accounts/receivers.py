"""Cached pages built on an account (its name, roles, language) are invalidated when it changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from talentportal import pagecache

from .models import User


def user_changed(sender, instance: User, **kwargs) -> None:
    pagecache.bump(f"user:{instance.pk}")


def connect() -> None:
    post_save.connect(user_changed, sender=User, dispatch_uid="accounts.user_changed.save")
    post_delete.connect(user_changed, sender=User, dispatch_uid="accounts.user_changed.delete")
