"""Reads for the catalogue and the course page, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from counties.models import Cohort, County

from .models import Course, DeliveryMode, Lesson, Module, Quiz, Track

# The catalogue shows cohorts, so these reads use counties' models; courses.models itself never
# imports counties, which keeps counties.Cohort → courses.Course the only link between the models.


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


def course_syllabus(*, courses: QuerySet[Course], with_bodies: bool = False) -> QuerySet[Course]:
    """``courses`` with the syllabus prefetched: modules → lessons, each module's quiz and the
    final quiz with their question counts. Lesson bodies only when ``with_bodies`` (preview)."""
    lessons = Lesson.objects.order_by("order")
    quizzes = Quiz.objects.annotate(question_count=Count("questions"))
    if with_bodies:
        lessons = lessons.prefetch_related("attachments")
        quizzes = quizzes.prefetch_related("questions__choices")
    else:
        lessons = lessons.defer("body", "body_html")
    modules = Module.objects.order_by("order").prefetch_related(Prefetch("lessons", queryset=lessons))
    return courses.select_related("track").prefetch_related(
        Prefetch("modules", queryset=modules),
        Prefetch("quizzes", queryset=quizzes.order_by("pk"), to_attr="quiz_list"),
    )
