"""The online-rate targets of Plan 589/KH-UBND (docs/domain.md §4), seeded as admin-editable rows:
50% for every unit, 90% for the model pilot units and, from 1 July 2025, for the merged communes
that took them in (the province can change or end any of these rows in the admin)."""

from __future__ import annotations

import datetime

from django.db import transaction

from agencies.choices import UnitLevel
from agencies.models import AdministrativeUnit, UnitSuccession
from reporting.models import Target

SINCE = datetime.date(2023, 1, 1)
REORGANISATION = datetime.date(2025, 7, 1)
PLAN = "KH 589/KH-UBND (2023)"
# Thái Hòa and Hoàng Mai towns; the wards Trung Đô, Hà Huy Tập, Quán Bàu, Trường Thi, Hồng Sơn of
# Vinh; Nghi Thu of Cửa Lò.
PILOTS = ["414", "432", "16699", "16666", "16670", "16690", "16696", "16735"]


def reporting_reference_seed() -> None:
    """Add the targets that are missing; rows already there (edited or not) are left alone."""
    before = AdministrativeUnit.objects.filter(valid_from__lt=REORGANISATION)
    pilot_before = set(PILOTS) | set(
        before.filter(level=UnitLevel.COMMUNE, parent__code__in=PILOTS).values_list("code", flat=True)
    )
    pilot_after = set(UnitSuccession.objects.filter(old__code__in=pilot_before).values_list("new__code", flat=True))
    existing = set(Target.objects.values_list("unit_code", "valid_from"))
    rows = []
    for code in sorted(set(AdministrativeUnit.objects.values_list("code", flat=True))):
        for valid_from, valid_to, pilots in ((SINCE, REORGANISATION - datetime.timedelta(days=1), pilot_before),
                                             (REORGANISATION, None, pilot_after)):  # fmt: skip
            if (code, valid_from) in existing:
                continue
            pilot = code in pilots
            note = f"{PLAN}: {'đơn vị điểm' if pilot else 'mọi đơn vị'}"
            if pilot and valid_from == REORGANISATION and code not in PILOTS:
                note += " (đơn vị mới có đơn vị điểm sáp nhập vào)"
            rows.append(Target(unit_code=code, percent=90 if pilot else 50, pilot=pilot,
                               valid_from=valid_from, valid_to=valid_to, note=note))  # fmt: skip
    with transaction.atomic():
        Target.objects.bulk_create(rows)
