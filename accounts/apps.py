from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.models import Authenticator
        from django.contrib.auth.models import Permission
        from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

        from . import roles

        # Two-factor authentication set up (an authenticator app): the MFA middleware reads it.
        roles.register(
            "has_mfa",
            lambda: Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)),
        )

        # Publishers hold courses.publish_course, given to them or to one of their groups
        # (named by strings: accounts sits below courses).
        def publisher():
            publish = Permission.objects.filter(codename="publish_course", content_type__app_label="courses")
            return ExpressionWrapper(
                Q(Exists(publish.filter(user=OuterRef("pk"))))
                | Q(Exists(publish.filter(group__user=OuterRef("pk")))),
                output_field=BooleanField(),
            )

        roles.register("is_publisher", publisher)
