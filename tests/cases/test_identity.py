"""Edge cases of cases.identity that tests/cases/test_personal_ids.py leaves out: every invalid 4th
digit, several problems at once, partial knowledge of the person, the shape check stopping early,
the expected 4th digit itself, and more search keys."""

import datetime

import pytest
from django.utils import translation

from cases.identity import PROVINCE_CODES, expected_sex_century_digit, id_number_problems, search_key

D = datetime.date.fromisoformat


def test_there_are_63_province_codes_from_001_to_096():
    # given the codes of the 63 provinces
    codes = sorted(PROVINCE_CODES)

    # then
    assert (len(codes), codes[0], codes[-1]) == (63, "001", "096")


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [
        ("male", 1900, "0"),
        ("female", 1999, "1"),
        ("male", 2000, "2"),
        ("female", 2026, "3"),
        ("male", 2100, "4"),
        ("female", 2199, "5"),
        ("male", 1899, None),
        ("female", 2200, None),
    ],
)
def test_expected_sex_century_digit(sex, year, digit):
    # when
    expected = expected_sex_century_digit(sex, year)

    # then
    assert expected == digit


@pytest.mark.parametrize(
    ("number", "sex", "born", "problems"),
    [
        # the shape is checked first and alone
        ("", None, None, ["An ID number is 12 digits."]),
        ("099926", "female", D("2026-02-20"), ["An ID number is 12 digits."]),
        (" 040326001122", None, None, ["An ID number is 12 digits."]),
        ("040326-001122", None, None, ["An ID number is 12 digits."]),
        ("０40326001122", None, None, ["An ID number is 12 digits."]),  # one full-width zero
        # 6 to 9 are no 4th digit of anyone alive
        ("040726001122", None, None, ["The 4th digit (sex and century) must be 0 to 5."]),
        ("040826001122", None, None, ["The 4th digit (sex and century) must be 0 to 5."]),
        ("040926001122", "female", D("2026-02-20"), ["The 4th digit (sex and century) must be 0 to 5."]),
        # province codes that fall in the gaps or out of range
        ("000326001122", None, None, ["000 is not the code of a province."]),
        ("003326001122", None, None, ["003 is not the code of a province."]),
        ("097326001122", None, None, ["097 is not the code of a province."]),
        # a right sex in the wrong century
        (
            "040193001122",
            "female",
            D("2093-01-09"),
            ["The 4th digit (sex and century) does not match a female born in 2093."],
        ),
        (
            "040493001122",
            "male",
            D("1993-01-09"),
            ["The 4th digit (sex and century) does not match a male born in 1993."],
        ),
        # a birth year outside 1900–2199 matches no 4th digit
        (
            "040099001122",
            "male",
            D("1899-12-31"),
            ["The 4th digit (sex and century) does not match a male born in 1899."],
        ),
        # every problem at once, in order
        (
            "099193001122",
            "male",
            D("2026-02-20"),
            [
                "099 is not the code of a province.",
                "The 4th digit (sex and century) does not match a male born in 2026.",
                "Digits 5–6 (year of birth) do not match 2026.",
            ],
        ),
        (
            "099726001122",
            None,
            D("1993-01-09"),
            [
                "099 is not the code of a province.",
                "The 4th digit (sex and century) must be 0 to 5.",
                "Digits 5–6 (year of birth) do not match 1993.",
            ],
        ),
    ],
)
def test_problems(number, sex, born, problems):
    # when
    with translation.override("en"):
        found = id_number_problems(number, sex=sex, date_of_birth=born)

    # then
    assert found == problems


@pytest.mark.parametrize(
    ("number", "sex", "born"),
    [
        ("040326001122", None, None),  # nothing known about the person
        ("040326001122", "female", None),  # the sex alone is not checked
        ("040326001122", None, D("2026-02-20")),  # the year of birth alone checks digits 5–6 only
        ("040326001122", "unknown", D("2026-02-20")),  # a sex that is neither male nor female is not checked
        ("096000000000", "male", D("1900-01-01")),
        ("001199999999", "female", D("1999-12-31")),
    ],
)
def test_numbers_without_problems(number, sex, born):
    # when
    found = id_number_problems(number, sex=sex, date_of_birth=born)

    # then
    assert found == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", ""),
        ("   ", ""),
        ("đĐ", "dd"),
        ("Đoàn Đức Độ", "doan duc do"),
        ("ư ơ Ư Ơ ừ ờ Ữ Ợ", "u o u o u o u o"),
        ("Phạm Thị Hường", "pham thi huong"),
        ("Lê\tVăn\nTám", "le van tam"),
        ("\u00c1", "a"),  # precomposed Á
        ("A\u0301", "a"),  # A with a combining acute accent
        ("Nguyễn 2026", "nguyen 2026"),
    ],
)
def test_search_key(text, key):
    # when
    found = search_key(text)

    # then
    assert found == key


def test_search_key_is_the_same_for_precomposed_and_combining_input():
    # given "Trường" written precomposed and as base letters with combining marks
    precomposed = "Tr\u01b0\u1eddng"
    combining = "Tru\u031bo\u031b\u0300ng"

    # when
    keys = (search_key(precomposed), search_key(combining))

    # then
    assert keys == ("truong", "truong")
