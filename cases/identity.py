"""Personal identification numbers (số định danh cá nhân / CCCD) and diacritic-free search keys.

A personal ID number is 12 digits: the 3-digit code of the province where the birth was
registered, 1 digit for sex and century, the last 2 digits of the birth year, and 6 more.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from cases import kinds

# The codes of the 63 provinces as they were before the 2025 mergers (ID numbers keep them).
# fmt: off
_PROVINCES = (
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40,
    42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83,
    84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
)
# fmt: on
PROVINCE_CODES = frozenset(f"{code:03d}" for code in _PROVINCES)
CENTURIES = {1900: 0, 2000: 2, 2100: 4}  # male digit; the female digit is one more
TWELVE_DIGITS = re.compile(r"[0-9]{12}")


def expected_sex_century_digit(sex: str, year: int) -> str | None:
    """The 4th digit a person of this sex born in this year carries (None outside 1900–2199)."""
    base = CENTURIES.get(year // 100 * 100)
    return None if base is None else str(base + (sex == "female"))


def id_number_problems(
    id_number: str, *, sex: str | None = None, date_of_birth: datetime.date | None = None
) -> list[str]:
    """What is wrong with a personal ID number, checked against the person's sex and birth year
    when they are known. Empty when it is right."""
    if not TWELVE_DIGITS.fullmatch(id_number):
        return [_("An ID number is 12 digits.")]
    problems = []
    if id_number[:3] not in PROVINCE_CODES:
        problems.append(_("%(code)s is not the code of a province.") % {"code": id_number[:3]})
    digit = id_number[3]
    if digit not in "012345":
        problems.append(_("The 4th digit (sex and century) must be 0 to 5."))
    elif date_of_birth is not None:
        # With the sex unknown (an applicant's, say) the digit still tells the century.
        known = sex in ("male", "female")
        expected = expected_sex_century_digit(sex if known and sex else "male", date_of_birth.year)
        if expected != (digit if known else str(int(digit) // 2 * 2)):
            problems.append(
                _("The 4th digit (sex and century) does not match a %(sex)s born in %(year)s.")
                % {"sex": _("male") if sex == "male" else _("female"), "year": date_of_birth.year}
                if known
                else _("The 4th digit (sex and century) does not match a birth in %(year)s.")
                % {"year": date_of_birth.year}
            )
    if date_of_birth is not None and id_number[4:6] != f"{date_of_birth.year % 100:02d}":
        problems.append(_("Digits 5–6 (year of birth) do not match %(year)s.") % {"year": date_of_birth.year})
    return problems


def search_key(text: str) -> str:
    """Lower-case text without diacritics, so "nguyen thi dao" finds "Nguyễn Thị Đào"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def bundle_search_text(code: str, data: dict[str, Any]) -> str:
    """What the clerks' search box matches: the code, the number of the provisional slip of a
    dossier captured offline, and the people's names, without diacritics."""
    people = [data.get(part) or {} for part in ("applicant", *kinds.get(data["kind"]).people)]
    names = (person.get("full_name", "") for person in people)
    return search_key(" ".join([code, data.get("local_number", ""), *names]))


ID_QUERY = re.compile(r"[0-9]{9}|[0-9]{12}")  # an ID card (CCCD, 12 digits) or an old one (CMND, 9)


def bundle_id_numbers(data: dict[str, Any], kind: str) -> str:
    """The people's ID numbers as the search stores them: each whole, space-delimited (the
    applicant's and those of the people the dossier's kind names)."""
    numbers = []
    for path in ("applicant", *kinds.get(kind).id_number_paths):
        person: Any = data
        for part in path.split("."):
            person = person.get(part) if isinstance(person, dict) else None
        number = id_query(str((person or {}).get("id_number") or ""))
        if number and number not in numbers:
            numbers.append(number)
    return f" {' '.join(numbers)} " if numbers else ""


def id_query(text: str) -> str:
    """A whole ID number typed with or without spaces or dots ("040 195 001 234"), else ""."""
    digits = re.sub(r"[\s.]", "", text)
    return digits if ID_QUERY.fullmatch(digits) else ""
