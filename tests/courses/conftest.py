from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from tests import factories


@pytest.fixture(autouse=True)
def _english_by_default(settings, client):
    """These tests read the English source texts; rendering in Chinese is tested explicitly
    where it matters. The cookie is what the language switcher sets."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _staff_with(*codenames: str):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    )
    return user


@pytest.fixture
def editor(db):
    """Programme staff who may write courses but not publish them."""
    return _staff_with("view_course", "change_course", "add_course")


@pytest.fixture
def publisher(db):
    """Programme staff who review, publish and archive courses."""
    return _staff_with("view_course", "change_course", "publish_course")
