from __future__ import annotations

from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Show a signed-in user the portal in the language saved on their account.

    An explicit choice in this browser (the language cookie, set by the switcher) wins;
    otherwise the account's preference replaces what LocaleMiddleware guessed from the
    browser, so a learner who chose 中文 on one phone gets 中文 on the next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            language = request.user.preferred_language
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
