"""The rules a dossier must meet before it is filed (docs/domain.md §1 and §5), shared by the API and
the clerk's pages. Each problem is reported under the path of the field it concerns."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from cases import kinds, offline, rules
from cases.identity import id_number_problems
from cases.kinds import Problems


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def person_problems(
    problems: Problems, path: str, person: dict[str, Any] | None, sex: str | None, on: datetime.date
) -> None:
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
    person_problems(problems, "applicant", data.get("applicant"), None, on)
    kinds.get(data["kind"]).problems(problems, data, procedures, on)
    return dict(problems)


def problems_in_one_round(payload: dict[str, Any], refused: dict[str, Any], *, on: datetime.date) -> Problems:
    """The input serializer's refusals of a dossier (`refused`, as DRF gives them) together with
    the rules' problems of every part it accepted, so that a page shows every error in one round.
    A rule about a part the serializer refused is left out: the refusal already says what is wrong."""
    from cases.api.serializers import BundleCreateSerializer

    flat = flat_problems(refused)
    fields = BundleCreateSerializer(data=payload).fields  # the fields of the payload's kind
    accepted: dict[str, Any] = {}
    for name, value in payload.items():
        if name in fields and name not in refused:
            try:
                accepted[name] = fields[name].run_validation(value)
            except ValidationError:
                continue
    if kinds.find(str(accepted.get("kind"))) is None or "procedures" not in accepted:
        return flat  # the rules depend on both
    if accepted.get("received_at"):  # an integration client's time of receipt: the rules judge on that day
        on = timezone.localdate(accepted["received_at"])
    elif accepted.get("captured_at"):  # a desk's capture offline: received then (cases.offline, bounded)
        on = offline.received_on(accepted["captured_at"])
    told = list(flat)
    return {
        **flat,
        **{
            path: messages
            for path, messages in bundle_problems(accepted, on=on).items()
            if not any(path == p or p.startswith(path + ".") or path.startswith(p + ".") for p in told)
        },
    }


def flat_problems(problems: Any, prefix: str = "") -> Problems:
    """{"child": {"sex": ["..."]}, "mother.id_number": ["..."]} → {"child.sex": [...], "mother.id_number": [...]}"""
    if not isinstance(problems, dict):
        return {prefix: [str(problem) for problem in problems] if isinstance(problems, list) else [str(problems)]}
    flat: Problems = {}
    for key, value in problems.items():
        path = ".".join(part for part in (prefix, "" if key == "non_field_errors" else str(key)) if part)
        for inner, messages in flat_problems(value, path).items():
            flat.setdefault(inner, []).extend(messages)
    return flat


def require(problems: Problems, data: dict[str, Any], *paths: str) -> None:
    """Each path must hold a value; a missing section is reported once, not field by field."""
    for path in paths:
        if any(path.startswith(parent + ".") for parent in problems):
            continue
        if value_at(data, path) in (None, "", [], {}):
            problems[path].append(_("This field is required."))


def value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a dossier ("child.date_of_birth"), None where it is missing."""
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def late_registration(data: dict[str, Any], *, on: datetime.date) -> bool:
    """Registered later than the law asks (the setting `registration.<kind>.late_after_days`, counted
    from the kind's `event_date`): still accepted, flagged. A kind without the rule is never late."""
    kind = kinds.get(data["kind"])
    event = value_at(data, kind.event_date) if kind.event_date else None
    if event is None:
        return False
    return (on - event).days > rules.late_after_days(kind.code, on)
