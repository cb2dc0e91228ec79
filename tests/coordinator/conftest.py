from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Imports store the uploaded file and the report through Django's storage.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(county=county, course=factories.course_with_lessons(), capacity=60)


@pytest.fixture
def other_coordinator(other_county):
    return factories.CoordinatorAssignmentFactory(county=other_county).coordinator


def enrol(cohort, **fields):
    """A learner with a profile in the cohort's county, enrolled in the cohort."""
    learner = factories.LearnerProfileFactory(county=cohort.county).user
    return factories.EnrollmentFactory(
        learner=learner, course=cohort.course, cohort=cohort, county=cohort.county, **fields
    )


def upload(data: bytes, name: str = "students.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
