from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .validators import validate_mobile


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra_fields):
        email = self.normalize_email(email).lower() if email else None
        if not email and not extra_fields.get("mobile"):
            raise ValueError("A user needs an email address or a mobile number.")
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a login: learner, coordinator or staff.

    One ``name`` field: Chinese names do not split into first and last names. Email is the
    login; learners imported by a coordinator from a school's spreadsheet may have only a
    mobile number, so either identifies a person (a check constraint keeps one of them).
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile],
    )
    # Set when the owner proved the number by an SMS code or an invitation link; an imported or
    # typed number is unverified until then (None).
    mobile_verified_at = models.DateTimeField(_("mobile number verified"), null=True, blank=True)
    # A person's name (姓名), not a thing's (名称): the plain "name" of counties and courses.
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=Language.choices,
        default=Language.ZH_HANS,
    )
    remind_by_email = models.BooleanField(_("reminders by email"), default=True)
    remind_by_sms = models.BooleanField(_("reminders by SMS"), default=True)
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Programme staff: may log in to the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(mobile__isnull=False),
                name="user_has_email_or_mobile",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="user_birth_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return user_display(self)

    def clean(self) -> None:
        super().clean()
        if self.email:
            self.email = self.__class__.objects.normalize_email(self.email).lower()
        # Empty strings would collide under the unique constraints; absent is NULL.
        self.email = self.email or None
        self.mobile = self.mobile or None

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def language_code(self) -> str:
        return self.preferred_language or settings.LANGUAGE_CODE


def user_display(user: User) -> str:
    """How a user is named on pages and in mail (allauth's ACCOUNT_USER_DISPLAY)."""
    return user.name or user.email or user.mobile or str(user.pk)


class SmsSend(models.Model):
    """One SMS code (or "you already have an account" text) the portal sent on a visitor's request.

    The daily SMS limits (accounts.smslimits) count these rows: the database, not the cache, so
    that a cache outage lets nobody pump SMS uncounted. Number and address are kept as keyed
    hashes (they only need comparing) and the rows are purged after two days.
    """

    number_hash = models.CharField(max_length=64)
    address_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SMS code sent")
        verbose_name_plural = _("SMS codes sent")
        indexes = [
            models.Index(fields=["number_hash", "sent_at"], name="smssend_number_sent"),
            models.Index(fields=["address_hash", "sent_at"], name="smssend_address_sent"),
            models.Index(fields=["sent_at"], name="smssend_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.number_hash[:8]} · {self.sent_at:%Y-%m-%d %H:%M}"
