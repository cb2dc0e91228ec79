from django.utils.functional import SimpleLazyObject

from .models import CoordinatorAssignment


def roles(request):
    """``is_coordinator`` for the navigation; the query runs only if a template asks."""
    user = getattr(request, "user", None)

    def is_coordinator() -> bool:
        if user is None or not user.is_authenticated:
            return False
        return CoordinatorAssignment.objects.filter(coordinator=user).exists()

    return {"is_coordinator": SimpleLazyObject(is_coordinator)}
