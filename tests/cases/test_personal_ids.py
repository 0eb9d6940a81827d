"""Personal ID numbers against the person's sex and birth year, and diacritic-free search keys."""

import datetime

import pytest
from django.utils import translation

from cases.identity import id_number_problems, search_key

D = datetime.date.fromisoformat


@pytest.mark.parametrize(
    ("number", "sex", "born"),
    [
        ("040326001122", "female", "2026-02-20"),
        ("040226001122", "male", "2026-02-20"),
        ("040093005678", "male", "1993-01-09"),
        ("040195001234", "female", "1995-05-01"),
        ("001599000001", "female", "2199-12-31"),
    ],
)
def test_numbers_that_match_the_person(number, sex, born):
    assert id_number_problems(number, sex=sex, date_of_birth=D(born)) == []


@pytest.mark.parametrize(
    ("number", "sex", "born", "problems"),
    [
        ("04032600112", None, None, ["An ID number is 12 digits."]),
        ("0403260011222", None, None, ["An ID number is 12 digits."]),
        ("04032600112a", None, None, ["An ID number is 12 digits."]),
        ("０４０３２６００１１２２", None, None, ["An ID number is 12 digits."]),  # full-width digits
        ("٠٤٠٣٢٦٠٠١١٢٢", None, None, ["An ID number is 12 digits."]),  # Arabic-Indic digits
        ("099326001122", None, None, ["099 is not the code of a province."]),
        ("040626001122", None, None, ["The 4th digit (sex and century) must be 0 to 5."]),
        (
            "040226001122",
            "female",
            "2026-02-20",
            ["The 4th digit (sex and century) does not match a female born in 2026."],
        ),
        ("040026001122", "male", "2026-02-20", ["The 4th digit (sex and century) does not match a male born in 2026."]),
        ("040325001122", "female", "2026-02-20", ["Digits 5–6 (year of birth) do not match 2026."]),
        (
            "040285001122",  # sex unknown: the digit 2 still says "born in the 2000s"
            None,
            "1985-01-01",
            ["The 4th digit (sex and century) does not match a birth in 1985."],
        ),
        ("040185001122", None, "1985-01-01", []),
    ],
)
def test_numbers_that_do_not(number, sex, born, problems):
    with translation.override("en"):
        found = id_number_problems(number, sex=sex, date_of_birth=D(born) if born else None)

    assert found == problems


def test_messages_are_vietnamese_by_default():
    with translation.override("vi"):
        assert id_number_problems("040226001122", sex="female", date_of_birth=D("2026-02-20")) == [
            "Chữ số thứ 4 (giới tính và thế kỷ) không khớp với nữ sinh năm 2026."
        ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nguyễn Thị Đào", "nguyen thi dao"),
        ("ĐẶNG  Văn   Lực", "dang van luc"),
        ("Trương Ưu Ơn", "truong uu on"),
        ("Nguye\u0302\u0303n", "nguyen"),  # combining marks, not precomposed
        ("  KS-40-2026-000123 ", "ks-40-2026-000123"),
    ],
)
def test_search_keys_need_no_diacritics(text, key):
    assert search_key(text) == key
