"""Reads for the catalogue and the course page, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils.functional import cached_property

from counties.models import Cohort, County
from courses.models import Course, DeliveryMode, Lesson, Module, Quiz, Track

# The catalogue shows the classes starting in the learner's county beside the courses: it reads
# courses and cohorts, which is why it is an app on top of both.


@dataclass(frozen=True)
class CatalogueFilters:
    query: str = ""
    track: Track | None = None
    level: str = ""
    delivery: str = ""
    language: str = ""
    in_my_county: bool = False


def learner_county(user) -> County | None:
    """The county a learner chose at sign-up (None for visitors and users without a profile)."""
    if not user.is_authenticated:
        return None
    return County.objects.filter(learner_profiles__user=user).first()


def _upcoming_cohorts_in(county: County) -> QuerySet[Cohort]:
    return Cohort.objects.upcoming().filter(county=county, course=OuterRef("pk"))


def course_catalogue(*, filters: CatalogueFilters, county: County | None = None) -> QuerySet[Course]:
    """Published courses matching ``filters``, newest first, with their track and (for a
    learner) whether a cohort in their county can still be joined."""
    courses = Course.objects.published().select_related("track").search(filters.query)
    if filters.track is not None:
        courses = courses.filter(track=filters.track)
    if filters.level:
        courses = courses.filter(level=filters.level)
    if filters.language:
        courses = courses.filter(language=filters.language)
    if filters.delivery in DeliveryMode.values:
        courses = courses.filter(**{f"offered_{filters.delivery}": True})
    if county is not None:
        courses = courses.annotate(has_cohort_nearby=Exists(_upcoming_cohorts_in(county)))
        if filters.in_my_county:
            courses = courses.filter(has_cohort_nearby=True)
    return courses.defer("description", "prerequisites").order_by("-published_at", "title")


class Syllabus:
    """A course's modules with their lessons and quiz, its final quiz, and the number and
    minutes of its lessons, read on first use (3 queries): a page that shows the syllabus from
    the cache reads none of it. Lesson bodies and quiz questions only ``with_bodies`` (the
    staff preview)."""

    def __init__(self, course: Course, *, with_bodies: bool = False):
        self.course = course
        self.with_bodies = with_bodies

    @cached_property
    def _read(self) -> tuple[list[tuple[Module, Quiz | None]], Quiz | None]:
        lessons = Lesson.objects.order_by("order")
        quizzes = Quiz.objects.annotate(question_count=Count("questions")).order_by("pk")
        if self.with_bodies:
            lessons = lessons.prefetch_related("attachments")
            quizzes = quizzes.prefetch_related("questions__choices")
        else:
            lessons = lessons.defer("body", "body_html")
        modules = Module.objects.order_by("order").prefetch_related(Prefetch("lessons", queryset=lessons))
        prefetch_related_objects(
            [self.course],
            Prefetch("modules", queryset=modules),
            Prefetch("quizzes", queryset=quizzes, to_attr="quiz_list"),
        )
        module_quizzes = {quiz.module_id: quiz for quiz in self.course.quiz_list}
        syllabus = [(module, module_quizzes.get(module.pk)) for module in self.course.modules.all()]
        return syllabus, module_quizzes.get(None)

    @property
    def modules(self) -> list[tuple[Module, Quiz | None]]:
        """(module with its lessons, the module's quiz or None) in order."""
        return self._read[0]

    @property
    def final_quiz(self) -> Quiz | None:
        return self._read[1]

    @cached_property
    def lesson_count(self) -> int:
        return sum(len(module.lessons.all()) for module, _quiz in self.modules)

    @cached_property
    def lesson_minutes(self) -> int:
        return sum(
            lesson.duration_minutes for module, _quiz in self.modules for lesson in module.lessons.all()
        )
