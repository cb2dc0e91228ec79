from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from jobs.validators import ALPHABET, credit_code_check_character, validate_credit_code

# Published codes of real organisations (their check characters are what GB 32100-2015 gives).
REAL_CODES = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    validate_credit_code(code)


def test_the_check_character_is_computed_by_the_weights():
    # 9·1 + 1·3 + 3·9 + 3·27 + 0·19 + 1·26 + 2·16 + 2·17 + 21(M)·20 + 10(A)·29, then 0 … 0, 1·8
    first17 = "91330122MA0000001"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    expected = ALPHABET[(31 - total % 31) % 31]
    assert credit_code_check_character(first17) == expected
    validate_credit_code(first17 + expected)


def test_lower_case_and_spaces_are_forgiven():
    validate_credit_code("9135 0100 m000 100y 43")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("91350100M000100I43", "credit_code_characters"),  # I is not in the alphabet
        ("913501O0M000100Y43", "credit_code_characters"),
        ("9135A100M000100Y43", "credit_code_division"),
        ("91350100M000100Y44", "credit_code_check"),
        ("91110000600037341K", "credit_code_check"),
    ],
)
def test_bad_codes_are_refused(code, error):
    with pytest.raises(ValidationError) as raised:
        validate_credit_code(code)
    assert raised.value.code == error


def test_every_single_character_change_is_caught():
    code = REAL_CODES[0]
    for position in range(17):
        for char in ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            if not changed[2:8].isdigit():
                continue
            with pytest.raises(ValidationError):
                validate_credit_code(changed)
