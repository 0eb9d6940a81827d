"""The rules a dossier must meet before it is filed (DOMAIN.md §1 and §5), shared by the API and
the clerk's pages. Each problem is reported under the path of the field it concerns."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from cases.choices import BundleKind
from cases.identity import id_number_problems

Problems = dict[str, list[str]]


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def sixth_birthday_eve(born: datetime.date) -> datetime.date:
    """The last day a child is under 6: a health-insurance card for the under-6 runs to it."""
    try:
        sixth = born.replace(year=born.year + 6)
    except ValueError:  # born on 29 February
        sixth = datetime.date(born.year + 6, 3, 1)
    return sixth - datetime.timedelta(days=1)


def _person(problems: Problems, path: str, person: dict[str, Any] | None, sex: str | None, on: datetime.date) -> None:
    if not person:
        return
    born = person.get("date_of_birth")
    if born and born > on:
        problems[f"{path}.date_of_birth"].append(_("The date of birth cannot be in the future."))
    if person.get("id_number"):
        for message in id_number_problems(person["id_number"], sex=person.get("sex") or sex, date_of_birth=born):
            problems[f"{path}.id_number"].append(message)


def bundle_problems(data: dict[str, Any], *, on: datetime.date) -> Problems:
    """Every rule the dossier breaks, by field path; `on` is the day it is received."""
    problems: Problems = defaultdict(list)
    procedures = set(data.get("procedures") or ())
    _person(problems, "applicant", data.get("applicant"), None, on)
    if data["kind"] == BundleKind.BIRTH:
        _birth_problems(problems, data, procedures, on)
    else:
        _death_problems(problems, data, procedures, on)
    return dict(problems)


def _require(problems: Problems, data: dict[str, Any], *paths: str) -> None:
    """Each path must hold a value; a missing section is reported once, not field by field."""
    for path in paths:
        if any(path.startswith(parent + ".") for parent in problems):
            continue
        value: Any = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            problems[path].append(_("This field is required."))


def _birth_problems(problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
    _require(problems, data, "child", "mother", "child.birth_certificate_number")
    child = data.get("child") or {}
    _person(problems, "child", child, None, on)
    _person(problems, "mother", data.get("mother"), "female", on)
    _person(problems, "father", data.get("father"), "male", on)
    born = child.get("date_of_birth")
    if "permanent_residence" in procedures:
        _require(problems, data, "residence", "residence.address", "residence.household_head")
        residence = data.get("residence") or {}
        if residence and residence.get("household_head_consent") is not True:
            problems["residence.household_head_consent"].append(
                _("The household head must agree to register the child in the household (form CT01).")
            )
        if residence and residence.get("owner_consent") is not True:
            problems["residence.owner_consent"].append(
                _("The owner of the residence must agree to the registration (form CT01).")
            )
        _person(problems, "residence.household_head", residence.get("household_head"), None, on)
    elif data.get("residence"):
        problems["residence"].append(_("Only for a bundle that asks for permanent residence registration."))
    if "health_insurance_card" in procedures:
        _require(problems, data, "insurance", "insurance.initial_clinic")
        if born and born <= on and _age_on(born, on) >= 6:
            problems["child.date_of_birth"].append(
                _("A health-insurance card through this bundle is only for a child under 6 on the day of filing.")
            )
    elif data.get("insurance"):
        problems["insurance"].append(_("Only for a bundle that asks for a health-insurance card."))


def _death_problems(problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
    _require(
        problems,
        data,
        "deceased",
        "deceased.date_of_death",
        "deceased.id_number",
        "death_notice",
        "death_notice.number",
        "death_notice.issuer",
        "death_notice.date",
    )
    deceased = data.get("deceased") or {}
    _person(problems, "deceased", deceased, None, on)
    died, born = deceased.get("date_of_death"), deceased.get("date_of_birth")
    if died and died > on:
        problems["deceased.date_of_death"].append(_("The date of death cannot be in the future."))
    if died and born and died < born:
        problems["deceased.date_of_death"].append(_("The date of death cannot precede the date of birth."))
    notice = data.get("death_notice") or {}
    if notice.get("date") and notice["date"] > on:
        problems["death_notice.date"].append(_("The death notice cannot be dated in the future."))
    if notice.get("date") and died and notice["date"] < died:
        problems["death_notice.date"].append(_("The death notice cannot be dated before the death."))
    if "funeral_allowance" in procedures and not data.get("funeral_category"):
        problems["funeral_category"].append(_("Choose exactly one beneficiary category for the funeral allowance."))
    if "funeral_allowance" not in procedures and data.get("funeral_category"):
        problems["funeral_category"].append(_("Only for a bundle that asks for the funeral allowance."))
    if "survivor_benefit" in procedures:
        _require(problems, data, "survivor_benefit.mode")
    elif data.get("survivor_benefit"):
        problems["survivor_benefit"].append(_("Only for a bundle that asks for the survivor benefit."))


def late_registration(data: dict[str, Any], *, on: datetime.date, allowed_days: int) -> bool:
    """Registered later than the law asks (60 days after birth, 15 after death): still accepted, flagged."""
    event = (data.get("child") or {}).get("date_of_birth") or (data.get("deceased") or {}).get("date_of_death")
    return event is not None and (on - event).days > allowed_days
