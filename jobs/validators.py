"""The unified social credit code (统一社会信用代码) of an organisation, GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capital letters without I, O, S, V
and Z): the registering authority, the kind of organisation, the 6-digit division code, the
9-character organisation code, and a check character computed over the first seventeen with
the weights 3**i mod 31.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def credit_code_check_character(first17: str) -> str:
    """The check character for the first seventeen characters of a code."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Upper case, without the spaces people type between groups."""
    return "".join((value or "").split()).upper()


def validate_credit_code(value: str) -> None:
    """Refuse a code of the wrong length, with a character outside the alphabet, a division code
    that is not six digits, or a wrong check character."""
    code = normalize_credit_code(value)
    if len(code) != LENGTH:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="credit_code_length")
    if any(char not in ALPHABET for char in code):
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="credit_code_characters",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the division code: six digits."),
            code="credit_code_division",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code is mistyped: its last character does not match."),
            code="credit_code_check",
        )
