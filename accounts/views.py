from __future__ import annotations

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .services import user_set_language


@require_POST
def set_language(request):
    """Django's language switch, also saved on the account of a signed-in user."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response
