"""The routing, limits, rates and 2026 calendar changes the portal ships with (docs/domain.md §1–2):
each kind's own rows are its `rows` (cases/kinds/), the rest are here. All of it becomes
admin-editable rows; `cases_reference_seed` adds only what is missing."""

from __future__ import annotations

import datetime

from django.db import transaction

from cases import kinds
from cases.models import BundleVariant, CalendarOverride, Procedure, Setting

D = datetime.date.fromisoformat
SINCE = D("2021-01-01")
# The settings of every kind (each kind's own are its `rows`): key, value, valid from, valid to, source
SETTINGS = [
    ("supplement.wait", 7, SINCE, None, "working days to supply missing documents"),
    ("attachment.max_bytes", 10 * 1024 * 1024, SINCE, None, "largest scanned document accepted"),
    # The escalation ladder (cases/ladder.py), in office hours of working days; a procedure may have
    # its own (`ladder.unclaimed.<procedure>`).
    ("ladder.unclaimed", 4, SINCE, None, "office hours a ready step may wait unclaimed"),
    ("ladder.unreceived", 4, SINCE, None, "office hours an online dossier may wait for the desk"),
    ("ladder.climb", 8, SINCE, None, "office hours on a rung, unmoved, before the next rung"),
]

CALENDAR_2026 = [
    *((D("2026-02-14") + datetime.timedelta(days=n), False, "Tết Bính Ngọ 2026") for n in range(9)),
    (D("2026-08-22"), True, "làm bù cho thứ Hai 31/8/2026"),
    (D("2026-08-31"), False, "nghỉ bù Quốc khánh 2026"),
]


def english_names() -> tuple[dict[str, str], dict[str, str]]:
    """The English names of the registered kinds' shipped procedures (by code) and variants (by name)."""
    rows = [kind.rows for kind in kinds.registered()]
    return (
        {code: name_en for row in rows for code, _name, name_en, *_rest in row.procedures},
        {name: name_en for row in rows for name, name_en, _codes in row.variants},
    )


def cases_reference_seed() -> None:
    """Add the registered kinds' shipped procedures, variants and settings, the settings of every
    kind and the 2026 calendar changes, where they are missing."""
    shipped = sorted(kinds.registered(), key=lambda kind: kind.code)  # one order, whatever the imports'
    procedures = [(kind.code, row) for kind in shipped for row in kind.rows.procedures]
    variants = [(kind.code, row) for kind in shipped for row in kind.rows.variants]
    settings = [*SETTINGS, *(row for kind in shipped for row in kind.rows.settings)]
    with transaction.atomic():
        for position, (kind, (code, name, name_en, role, requires, fields, sections)) in enumerate(procedures, start=1):
            procedure, _created = Procedure.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "bundle_kind": kind,
                    "agency_role": role,
                    "position": position,
                    "result_fields": [{"name": field, "type": type_} for field, type_ in fields],
                    "data_sections": sections,
                },
            )
            if not procedure.name_en:  # an English name is missing
                procedure.name_en = name_en
                procedure.save(update_fields=["name_en"])
            procedure.requires.add(*Procedure.objects.filter(code__in=requires))
        for kind, (name, name_en, codes) in variants:
            variant, created = BundleVariant.objects.get_or_create(kind=kind, name=name)
            if created:
                variant.procedures.set(Procedure.objects.filter(code__in=codes))
            if not variant.name_en:
                variant.name_en = name_en
                variant.save(update_fields=["name_en"])
        for key, value, valid_from, valid_to, note in settings:
            Setting.objects.get_or_create(
                key=key, valid_from=valid_from, defaults={"value": value, "valid_to": valid_to, "note": note}
            )
        for day, working, note in CALENDAR_2026:
            CalendarOverride.objects.get_or_create(day=day, defaults={"working": working, "note": note})
