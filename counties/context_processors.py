from django.utils.functional import SimpleLazyObject

from accounts.roles import flag


def roles(request):
    """``is_coordinator`` for the navigation, read with the signed-in user (accounts.roles)."""
    user = getattr(request, "user", None)
    return {"is_coordinator": SimpleLazyObject(lambda: user is not None and flag(user, "is_coordinator"))}
