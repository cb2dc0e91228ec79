from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Prefecture-level rows that only group counties (municipal districts, counties governed
# directly by the province): their names say nothing to a learner, so labels skip them.
GROUPING_PREFECTURE_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Province(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Prefecture(models.Model):
    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="prefectures", verbose_name=_("province")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name

    @property
    def is_grouping(self) -> bool:
        return self.name in GROUPING_PREFECTURE_NAMES


class CountyQuerySet(models.QuerySet):
    def with_parents(self) -> CountyQuerySet:
        return self.select_related("prefecture", "province")

    def search(self, query: str) -> CountyQuerySet:
        """Counties whose code starts with, or whose name (or prefecture's) contains, ``query``."""
        query = query.strip()
        if not query:
            return self.none()
        if query.isdigit():
            return self.filter(code__startswith=query)
        return self.filter(
            Q(name__contains=query) | Q(prefecture__name__contains=query) | Q(province__name=query)
        )

    def coordinated_by(self, user) -> CountyQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(coordinator_assignments__coordinator=user)


class County(models.Model):
    """A county-level division (县, 区, 县级市, 旗…), keyed by its 6-digit GB/T 2260 code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="counties", verbose_name=_("prefecture")
    )
    # Denormalised from the prefecture: figures and filters by province skip a join.
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )
    is_priority = models.BooleanField(
        _("priority county"),
        default=False,
        db_index=True,
        help_text=_(
            "A county the programme gives priority to (e.g. a national key county for rural revitalisation)."
        ),
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """Province, prefecture and county, e.g. 浙江省 杭州市 桐庐县 (needs ``with_parents``)."""
        parts = [self.province.name]
        if not self.prefecture.is_grouping and self.prefecture.name != self.province.name:
            parts.append(self.prefecture.name)
        parts.append(self.name)
        return " ".join(parts)


class Township(models.Model):
    """A township-level division (乡, 镇, 街道), keyed by its 9-digit code."""

    code = models.CharField(_("code"), max_length=9, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("county")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self) -> str:
        return self.name


class LearnerProfile(models.Model):
    """Where a learner studies: their county (chosen at sign-up) and school."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="learner_profile",
        verbose_name=_("user"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="learner_profiles", verbose_name=_("county")
    )
    school = models.CharField(_("school"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.county}"


class CoordinatorAssignment(models.Model):
    """A user who coordinates the programme in one county (a user may have several)."""

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_assignments",
        verbose_name=_("coordinator"),
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, related_name="coordinator_assignments", verbose_name=_("county")
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coordinator assignment")
        verbose_name_plural = _("coordinator assignments")
        constraints = [
            models.UniqueConstraint(fields=["coordinator", "county"], name="unique_coordinator_county"),
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} → {self.county}"
