from django import template

register = template.Library()


@register.filter
def pct(fraction) -> str:
    """A fraction of the picture (0.125) as a CSS percentage ("12.5%")."""
    try:
        return f"{float(fraction) * 100:.2f}%"
    except (TypeError, ValueError):
        return "0%"


@register.filter
def percent(fraction) -> int:
    """A score between 0 and 1 as a whole percent."""
    try:
        return round(float(fraction) * 100)
    except (TypeError, ValueError):
        return 0
