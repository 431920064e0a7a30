import random

import pytest

from graph.errors import InvalidUSCCError
from graph.uscc import ALPHABET, check_digit, decode, is_valid, normalise, validate, with_check_digit

# Real, published codes (company registration notices) with known-good check digits.
PUBLISHED = ["91350100M000100Y43", "91110000600037341L"]


def _random_body(rng: random.Random, division: str = "320282") -> str:
    return rng.choice("9151") + rng.choice("123") + division + "".join(rng.choice(ALPHABET) for _ in range(9))


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert is_valid(code)
    assert check_digit(code[:17]) == code[17]


def test_computed_codes_are_valid_and_decode_yixing():
    rng = random.Random(7)
    for _ in range(500):
        code = with_check_digit(_random_body(rng))
        assert validate(code) == code
        info = decode(code)
        assert info["division"] == "320282"
        assert info["division_name"] == "江苏省无锡市宜兴市"
        assert info["is_yixing"] == "yes"
        assert info["province"] == "江苏省"


def test_decode_parts():
    code = with_check_digit("91320282MA1ABCDE0")
    info = decode(code)
    assert info["authority_name"] == "工商(市场监管)"
    assert info["entity_type_name"] == "企业"
    assert info["organisation_code"] == "MA1ABCDE0"
    assert decode(with_check_digit("12320282466000000"))["entity_type_name"] == "事业单位"


def test_normalise_full_width_and_case():
    code = with_check_digit("91320282MA1ABCDE0")
    messy = " " + code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "\u200b"
    assert normalise(messy) == code
    assert validate(messy) == code


def test_every_single_character_change_is_caught():
    code = with_check_digit("91320282MA1ABCDE0")
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            if position in range(2, 8) and not replacement.isdigit():
                assert not is_valid(changed)
                continue
            if position == 0 and replacement not in "123456789ANY":
                assert not is_valid(changed)
                continue
            assert not is_valid(changed), changed


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "0 characters"),
        ("91320282MA1ABCDE", "16 characters"),
        ("91320282MA1ABCDE0XX", "19 characters"),
        ("91320282MA1ABCDEI0", "'I' is not allowed"),
        ("91320282MA1ABCDEO0", "'O' is not allowed"),
        ("9132028ZMA1ABCDE00", "'Z' is not allowed"),
        ("91320282MA1ABC#E00", "'#' is not allowed"),
        ("913202A2MA1ABCDE00", "admin division"),
        ("B1320282MA1ABCDE00", "registering authority"),
    ],
)
def test_invalid_codes_say_why(code, message):
    with pytest.raises(InvalidUSCCError, match=message):
        validate(code)
    assert not is_valid(code)


def test_wrong_check_digit_names_expected():
    code = with_check_digit("91320282MA1ABCDE0")
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % 31]
    with pytest.raises(InvalidUSCCError, match=f"expected '{code[-1]}'"):
        validate(code[:17] + wrong)


def test_is_a_value_error():
    with pytest.raises(ValueError):
        validate("nope")
