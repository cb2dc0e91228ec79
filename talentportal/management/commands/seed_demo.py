from __future__ import annotations

from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from competitions.demo import seed_demo_competitions
from counties.models import (
    Announcement,
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    County,
    Prefecture,
    Province,
    SchoolType,
)
from counties.services import learner_profile_save
from courses.demo import seed_demo_courses
from courses.models import Course
from enrollment.models import Enrollment
from enrollment.services import cohort_join
from exams.attempts import AttemptError
from exams.demo import demo_attempt_sit, seed_demo_exams
from exams.models import Exam, ExamWindow
from exams.policy import exam_window_set
from jobs.demo import seed_demo_jobs
from officers.demo import seed_demo_officers
from practice.demo import seed_demo_practice
from projects.demo import seed_demo_projects
from studio.demo import seed_demo_studio

DEMO_PASSWORD = "TalentDemo-2026"  # noqa: S105 - published on purpose, DEBUG only

# The programme's first sites: (county code, county, prefecture code, prefecture, province code, province)
DEMO_COUNTIES = [
    ("330122", "桐庐县", "3301", "杭州市", "33", "浙江省"),
    ("520603", "万山区", "5206", "铜仁市", "52", "贵州省"),
    ("610830", "清涧县", "6108", "榆林市", "61", "陕西省"),
    ("140602", "朔城区", "1406", "朔州市", "14", "山西省"),
]

DEMO_USERS = [
    # email, name, role
    ("learner@example.com", "李小梅", "learner"),
    ("coordinator@example.com", "王建国", "coordinator"),
    ("admin@example.com", "项目管理员", "staff"),
]


class Command(BaseCommand):
    help = (
        "Create demo counties, a demo learner, coordinator (桐庐县) and staff account, the demo courses "
        "and their final exams, and a class that sits one today. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (the demo accounts have a published password).",
        )

    @transaction.atomic
    def handle(self, *args, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with a published password. "
                "Pass --allow-production to do it anyway."
            )
        for code, name, pref_code, pref_name, prov_code, prov_name in DEMO_COUNTIES:
            province, _ = Province.objects.update_or_create(code=prov_code, defaults={"name": prov_name})
            prefecture, _ = Prefecture.objects.update_or_create(
                code=pref_code, defaults={"name": pref_name, "province": province}
            )
            County.objects.update_or_create(
                code=code, defaults={"name": name, "prefecture": prefecture, "province": province}
            )
        tonglu = County.objects.get(code="330122")

        for email, name, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"name": name, "is_staff": role == "staff", "is_superuser": role == "staff"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if role == "learner":
                learner_profile_save(
                    user=user,
                    county=tonglu,
                    school="桐庐县职业技术学校",
                    school_type=SchoolType.SECONDARY_VOCATIONAL,
                )
                if not user.gender:
                    user.gender = User.Gender.FEMALE
                    user.save(update_fields=["gender"])
            if role == "coordinator":
                CoordinatorAssignment.objects.get_or_create(coordinator=user, county=tonglu)

        seed_demo_courses(stdout=self.stdout)
        finals = seed_demo_exams(stdout=self.stdout)
        seed_demo_practice(stdout=self.stdout)
        seed_demo_jobs(password=DEMO_PASSWORD, stdout=self.stdout)
        seed_demo_officers(password=DEMO_PASSWORD, stdout=self.stdout)
        seed_demo_projects(stdout=self.stdout)
        seed_demo_competitions(password=DEMO_PASSWORD, stdout=self.stdout)
        seed_demo_studio(password=DEMO_PASSWORD, stdout=self.stdout)
        coordinator = User.objects.get(email="coordinator@example.com")
        cohort = self._seed_cohort(county=tonglu, coordinator=coordinator)
        exam = finals.get(cohort.course.slug)
        session = None
        if exam is not None:
            session = self._seed_exam_day(
                cohort=cohort,
                coordinator=coordinator,
                learner=User.objects.get(email="learner@example.com"),
                exam=exam,
            )

        self.stdout.write(f"Counties: {', '.join(name for _c, name, *_rest in DEMO_COUNTIES)}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<12} {email}")
        self.stdout.write(f"Demo cohort in 桐庐县: {cohort.name}, join code {cohort.join_code}")
        if session is not None:
            self.stdout.write(
                f"Its final exam ({exam.title}) is open; the coordinator can open an exam room in the "
                f"class of {session.date:%Y-%m-%d} ({session.topic})."
            )

    def _seed_cohort(self, *, county: County, coordinator: User) -> Cohort:
        """An open blended class of the rural e-commerce course (dates set when first created)."""
        today = timezone.localdate()
        cohort, _created = Cohort.objects.get_or_create(
            county=county,
            name="桐庐县职校 农村电商运营 示范班",
            defaults={
                "course": Course.objects.get(slug="rural-ecommerce-operations"),
                "start_date": today,
                "end_date": today + timedelta(days=60),
                "capacity": 40,
                "delivery": Cohort.Delivery.BLENDED,
                "status": Cohort.Status.OPEN,
                "min_attendance_percent": 60,
                "created_by": coordinator,
            },
        )
        self._seed_class_life(cohort=cohort, coordinator=coordinator)
        return cohort

    def _seed_class_life(self, *, cohort: Cohort, coordinator: User) -> None:
        """Two offline classes and a welcome announcement, once (no email: nobody is enrolled yet)."""
        sessions = [
            (cohort.start_date + timedelta(days=7), "开班仪式与网店注册", "桐庐县职业技术学校 多媒体教室"),
            (cohort.start_date + timedelta(days=21), "商品拍摄与详情页实操", "桐庐县职业技术学校 电商实训室"),
        ]
        for date, topic, place in sessions:
            ClassSession.objects.get_or_create(
                cohort=cohort, topic=topic, defaults={"date": date, "start_time": time(14, 0), "place": place}
            )
        Announcement.objects.get_or_create(
            cohort=cohort,
            title="欢迎加入农村电商运营示范班",
            defaults={
                "author": coordinator,
                "body": "第一次线下课在开班后第一周，请带上手机和身份证。",
                "emailed_at": timezone.now(),
            },
        )

    def _seed_exam_day(self, *, cohort: Cohort, coordinator: User, learner: User, exam: Exam) -> ClassSession:
        """The cohort sits its final exam: a window set by its coordinator (from yesterday to the
        end of the class), a class session today in which the coordinator can open an exam room,
        and the demo learner in the class with a first attempt made yesterday, its short answer
        awaiting marking. Each is made once."""
        today = timezone.localdate()
        if not ExamWindow.objects.filter(exam=exam, cohort=cohort).exists():
            exam_window_set(
                exam=exam,
                cohort=cohort,
                opens_at=timezone.make_aware(datetime.combine(today - timedelta(days=1), time.min)),
                closes_at=timezone.make_aware(
                    datetime.combine(max(cohort.end_date, today + timedelta(days=7)), time(23, 59))
                ),
                by=coordinator,
            )
        session, _created = ClassSession.objects.get_or_create(
            cohort=cohort,
            topic="结业考试（考场模式）",
            defaults={
                "date": today,
                "start_time": time(9, 0),
                "end_time": time(10, 0),
                "place": "桐庐县职业技术学校 电商实训室",
            },
        )
        enrollment = Enrollment.objects.filter(learner=learner, course=cohort.course).first()
        if enrollment is None:
            enrollment = cohort_join(learner=learner, cohort=cohort)
        try:
            demo_attempt_sit(exam=exam, enrollment=enrollment, started_at=timezone.now() - timedelta(days=1))
        except AttemptError as error:  # the window of an older demo has closed
            self.stdout.write(f"No demo attempt at {exam.title}: {error}")
        return session
