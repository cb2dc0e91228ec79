"""factory_boy factories for every app: one module, imported by all tests."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from counties.models import CoordinatorAssignment, County, LearnerProfile, Prefecture, Province

PASSWORD = "Correct-Horse-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"学员{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "33"
    name = "浙江省"


class PrefectureFactory(DjangoModelFactory):
    class Meta:
        model = Prefecture
        django_get_or_create = ["code"]

    code = "3301"
    name = "杭州市"
    province = factory.SubFactory(ProvinceFactory)


class CountyFactory(DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"3301{n % 100:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    prefecture = factory.SubFactory(PrefectureFactory)
    province = factory.SelfAttribute("prefecture.province")


class LearnerProfileFactory(DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    county = factory.SubFactory(CountyFactory)
    school = "桐庐县职业技术学校"


class CoordinatorAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = CoordinatorAssignment

    coordinator = factory.SubFactory(UserFactory)
    county = factory.SubFactory(CountyFactory)
