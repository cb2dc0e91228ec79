from __future__ import annotations

from datetime import time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from counties.models import (
    Announcement,
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    County,
    Prefecture,
    Province,
)
from counties.services import learner_profile_save
from courses.demo import seed_demo_courses
from courses.models import Course

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
    help = "Create demo counties and a demo learner, coordinator (桐庐县) and staff account. Idempotent."

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
                learner_profile_save(user=user, county=tonglu, school="桐庐县职业技术学校")
                if not user.gender:
                    user.gender = User.Gender.FEMALE
                    user.save(update_fields=["gender"])
            if role == "coordinator":
                CoordinatorAssignment.objects.get_or_create(coordinator=user, county=tonglu)

        seed_demo_courses(stdout=self.stdout)
        cohort = self._seed_cohort(
            county=tonglu, coordinator=User.objects.get(email="coordinator@example.com")
        )

        self.stdout.write(f"Counties: {', '.join(name for _c, name, *_rest in DEMO_COUNTIES)}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<12} {email}")
        self.stdout.write(f"Demo cohort in 桐庐县: {cohort.name}, join code {cohort.join_code}")

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
