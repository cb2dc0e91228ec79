"""Role flags read with the signed-in user, in the same query.

Every signed-in page shows the user's roles in its navigation (e.g. the coordinator's
workspace link). Rather than a query per flag per page, each app that defines a role
registers an expression for it here when it starts (``AppConfig.ready``), and the
authentication backends (accounts.backends) annotate the user row they load for the session
with all of them: one query, always as current as the database. ``accounts`` stays below the
apps that define roles: they register into it, it never imports them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Expression

_FLAGS: dict[str, Callable[[], Expression]] = {}


def register(name: str, expression: Callable[[], Expression]) -> None:
    """Annotate the session's user with ``name`` = ``expression()`` (a boolean, e.g. ``Exists``)."""
    _FLAGS[name] = expression


def is_registered(name: str) -> bool:
    return name in _FLAGS


def annotations() -> dict[str, Expression]:
    return {name: expression() for name, expression in _FLAGS.items()}


def flag(user, name: str) -> bool:
    """The role flag on a user loaded by the backends, or computed for one loaded otherwise."""
    if not getattr(user, "is_authenticated", False):
        return False
    if hasattr(user, name):
        return bool(getattr(user, name))
    return (
        type(user)
        ._default_manager.filter(pk=user.pk)
        .annotate(**{name: _FLAGS[name]()})
        .values_list(name, flat=True)
        .first()
        or False
    )
