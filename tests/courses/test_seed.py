from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from courses import demo
from courses.demo import DEMO_DIR, TRACKS_FILE, demo_documents, seed_demo_courses
from courses.models import Choice, Course, Lesson, Module, Question, Quiz, Track
from courses.portability import CourseFileError, course_import
from courses.services import course_publish_problems

COURSE_FILES = sorted(path for path in DEMO_DIR.glob("*.json") if path.name != TRACKS_FILE)


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


def test_seed_demo_courses_reports_and_leaves_existing_courses_alone(db):
    first, second = StringIO(), StringIO()
    seed_demo_courses(stdout=first)
    Course.objects.filter(slug="livestream-selling").update(title="改过的标题")
    seed_demo_courses(stdout=second)

    assert "Courses published: 6 new, 0 already there" in first.getvalue()
    assert "Courses published: 0 new, 6 already there" in second.getvalue()
    assert Course.objects.count() == 6
    assert Course.objects.get(slug="livestream-selling").title == "改过的标题"
    assert list(Track.objects.values_list("slug", "order")) == [
        ("ecommerce", 1),
        ("data-labelling", 2),
        ("digital-management", 3),
        ("cloud-it", 4),
        ("women-entrepreneurship", 5),
    ]


def test_every_demo_file_is_listed_in_the_tracks_file():
    assert sorted(document["course"]["slug"] for document in demo_documents()) == [
        path.stem for path in COURSE_FILES
    ]
    assert len(COURSE_FILES) == 6


@pytest.mark.parametrize("path", COURSE_FILES, ids=lambda path: path.stem)
def test_every_demo_file_imports_cleanly_through_course_import(db, path):
    course = course_import(document=json.loads(path.read_text(encoding="utf-8")))

    assert course.slug == path.stem
    assert course.status == Course.Status.DRAFT
    assert course_publish_problems(course=course) == []


def _break_lesson_title(directory):
    path = directory / "ai-data-labelling-basics.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["course"]["modules"][0]["lessons"][0]["title"]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _rename_slug(directory):
    path = directory / "cloud-it-basics.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["course"]["slug"] = "cloud-basics"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


BROKEN_DEMO_DIRS = {
    "invalid course": (
        _break_lesson_title,
        "ai-data-labelling-basics.json: course.modules[0].lessons[0].title: missing",
    ),
    "not JSON": (
        lambda d: (d / "women-digital-entrepreneurship.json").write_text("{", encoding="utf-8"),
        "women-digital-entrepreneurship.json: not valid JSON (line 1",
    ),
    "listed file missing": (
        lambda d: (d / "livestream-selling.json").unlink(),
        "livestream-selling.json: no such file",
    ),
    "unlisted file": (
        lambda d: shutil.copy(d / "cloud-it-basics.json", d / "extra.json"),
        "extra.json: not listed in tracks.json",
    ),
    "slug not the file's name": (
        _rename_slug,
        "cloud-it-basics.json: course.slug: must be 'cloud-it-basics', the file's name",
    ),
    "tracks file not a list": (
        lambda d: (d / TRACKS_FILE).write_text("{}", encoding="utf-8"),
        "tracks.json: must be a list of",
    ),
}


@pytest.mark.parametrize("name", BROKEN_DEMO_DIRS)
def test_a_broken_demo_file_is_refused_clearly_and_nothing_is_written(db, tmp_path, monkeypatch, name):
    change, message = BROKEN_DEMO_DIRS[name]
    directory = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, directory)
    change(directory)
    monkeypatch.setattr(demo, "DEMO_DIR", directory)

    with pytest.raises(CourseFileError) as error:
        seed_demo_courses()

    assert any(problem.startswith(message) for problem in error.value.problems), error.value.problems
    for model in (Track, Course, Module, Lesson, Quiz, Question, Choice):
        assert not model.objects.exists(), model
