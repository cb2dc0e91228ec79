from __future__ import annotations

from django.core.management import call_command

from courses.models import Course, Lesson, Quiz, Track


def test_seed_demo_publishes_a_living_catalogue_in_chinese(db, client):
    call_command("seed_demo", allow_production=True)  # tests run with DEBUG off
    call_command("seed_demo", allow_production=True)  # idempotent

    published = Course.objects.published()
    assert published.count() >= 5
    assert Track.objects.count() == 5
    assert set(published.values_list("track__slug", flat=True)) == set(
        Track.objects.values_list("slug", flat=True)
    )
    for course in published:
        assert course.language == "zh-hans"
        assert course.modules.count() >= 2
        assert Lesson.objects.filter(module__course=course).count() >= 4
        assert Quiz.objects.filter(course=course, module__isnull=True).exists()
        assert course.status_changes.filter(to_status=Course.Status.PUBLISHED).exists()
    assert "农村电商运营" in client.get("/courses/", {"q": "电商"}).content.decode()
