"""Authentication backends that load the session's user with its role flags (accounts.roles)
in the one query Django makes for the user on every signed-in request.

That query runs on every signed-in page, and building it through the ORM (annotations,
compilation) cost more than the rest of a small page. Its SQL depends only on the models, so it
is compiled once per process and then executed with the user's id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models.sql.compiler import SQLCompiler

from . import roles


@dataclass(frozen=True)
class _Query:
    sql: str
    params: tuple
    place: int  # of the user's id among the parameters
    attnames: list[str]  # of the user's fields, then the role flags, in the order of the columns
    flags: list[str]
    compiler: SQLCompiler  # applies the database's converters (dates, booleans) as the ORM does
    converters: dict


@functools.cache
def _session_user_query(db: str) -> _Query:
    model = get_user_model()
    flags = roles.annotations()
    marker = -987654321  # a value no id has, to find the id's place among the parameters
    queryset = model._default_manager.annotate(**flags).filter(pk=marker)
    compiler = queryset.query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    if list(params).count(marker) != 1:
        raise RuntimeError(f"cannot find the user's id among the parameters {params!r}")
    columns = [expression for expression, _sql, _alias in compiler.select]
    attnames = [field.attname for field in model._meta.concrete_fields]
    if len(columns) != len(attnames) + len(flags):
        raise RuntimeError("the session user's query selects other columns than expected")
    return _Query(
        sql,
        tuple(params),
        list(params).index(marker),
        attnames,
        list(flags),
        compiler,
        compiler.get_converters(columns),
    )


def session_user(user_id):
    """The user with ``user_id`` and its role flags as attributes, or None."""
    model = get_user_model()
    db = router.db_for_read(model)
    query = _session_user_query(db)
    params = list(query.params)
    params[query.place] = model._meta.pk.to_python(user_id)
    with connections[db].cursor() as cursor:
        cursor.execute(query.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if query.converters:
        row = next(iter(query.compiler.apply_converters([row], query.converters)))
    fields = len(query.attnames)
    user = model.from_db(db, query.attnames, row[:fields])
    for name, value in zip(query.flags, row[fields:], strict=True):
        setattr(user, name, bool(value))
    return user


class RoleFlagsMixin:
    def get_user(self, user_id):
        try:
            user = session_user(user_id)
        except (TypeError, ValueError):  # a malformed id in a session
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RoleFlagsMixin, django_backends.ModelBackend):
    pass


class AuthenticationBackend(RoleFlagsMixin, allauth_backends.AuthenticationBackend):
    pass
