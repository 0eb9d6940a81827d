"""The routing, limits, rates and 2026 calendar changes the portal ships with (docs/domain.md §1–2).
All of it becomes admin-editable rows; `cases_reference_seed` adds only what is missing."""

from __future__ import annotations

import datetime

from django.db import transaction

from agencies.choices import AgencyRole
from cases.models import BundleVariant, CalendarOverride, Procedure, Setting

D = datetime.date.fromisoformat
TEXT, ID_NUMBER, DATE, AMOUNT = "text", "id_number", "date", "amount"

# code, name, bundle, agency role ("" = by funeral category), must follow, result fields
# (the dossier sections each shows its officer are in DATA_SECTIONS)
PROCEDURES = [
    ("birth_registration", "Đăng ký khai sinh", "birth", AgencyRole.CIVIL_STATUS, [],
     [("register_number", TEXT), ("personal_id_number", ID_NUMBER)]),
    ("permanent_residence", "Đăng ký thường trú", "birth", AgencyRole.RESIDENCE, ["birth_registration"],
     [("registration_number", TEXT)]),
    ("health_insurance_card", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "birth",
     AgencyRole.SOCIAL_INSURANCE, ["birth_registration"], [("card_number", TEXT), ("valid_to", DATE)]),
    ("death_registration", "Đăng ký khai tử", "death", AgencyRole.CIVIL_STATUS, [],
     [("register_number", TEXT)]),
    ("residence_deregistration", "Xóa đăng ký thường trú", "death", AgencyRole.RESIDENCE,
     ["death_registration"], [("registration_number", TEXT)]),
    ("funeral_allowance", "Trợ cấp mai táng phí / hỗ trợ chi phí mai táng", "death", "",
     ["death_registration"], [("decision_number", TEXT), ("amount_vnd", AMOUNT)]),
    ("survivor_benefit", "Giải quyết chế độ tử tuất", "death", AgencyRole.SOCIAL_INSURANCE,
     ["death_registration"], [("decision_number", TEXT)]),
]  # fmt: skip

DATA_SECTIONS = {
    "birth_registration": ["applicant", "child", "mother", "father"],
    "permanent_residence": ["applicant", "child", "residence"],
    "health_insurance_card": ["applicant", "child", "insurance"],
    "death_registration": ["applicant", "deceased", "death_notice"],
    "residence_deregistration": ["applicant", "deceased"],
    "funeral_allowance": ["applicant", "deceased", "funeral_category"],
    "survivor_benefit": ["applicant", "deceased", "survivor_benefit"],
}

VARIANTS = [
    ("birth", "Khai sinh, thường trú, thẻ BHYT",
     ["birth_registration", "permanent_residence", "health_insurance_card"]),
    ("birth", "Khai sinh, thường trú", ["birth_registration", "permanent_residence"]),
    ("birth", "Khai sinh, thẻ BHYT", ["birth_registration", "health_insurance_card"]),
    ("death", "Khai tử, xóa thường trú", ["death_registration", "residence_deregistration"]),
    ("death", "Khai tử, xóa thường trú, mai táng phí",
     ["death_registration", "residence_deregistration", "funeral_allowance"]),
    ("death", "Khai tử, xóa thường trú, mai táng phí, tử tuất",
     ["death_registration", "residence_deregistration", "funeral_allowance", "survivor_benefit"]),
]  # fmt: skip

# English names of the rows above, for pages in English (official documents stay Vietnamese).
PROCEDURE_NAMES_EN = {
    "birth_registration": "Birth registration",
    "permanent_residence": "Permanent residence registration",
    "health_insurance_card": "Health-insurance card for a child under 6",
    "death_registration": "Death registration",
    "residence_deregistration": "Permanent residence deregistration",
    "funeral_allowance": "Funeral allowance / funeral cost support",
    "survivor_benefit": "Survivor benefits",
}
VARIANT_NAMES_EN = {
    "Khai sinh, thường trú, thẻ BHYT": "Birth, permanent residence, health-insurance card",
    "Khai sinh, thường trú": "Birth, permanent residence",
    "Khai sinh, thẻ BHYT": "Birth, health-insurance card",
    "Khai tử, xóa thường trú": "Death, residence deregistration",
    "Khai tử, xóa thường trú, mai táng phí": "Death, residence deregistration, funeral allowance",
    "Khai tử, xóa thường trú, mai táng phí, tử tuất": (
        "Death, residence deregistration, funeral allowance, survivor benefits"
    ),
}

SINCE = D("2021-01-01")
# key, value, valid from, valid to, source
SETTINGS = [
    ("limit.bundle.birth", 3, SINCE, None, "Decree 63/2024/NĐ-CP art. 7(2)"),
    ("limit.bundle.birth.verification", 5, SINCE, None, "Decree 63/2024/NĐ-CP art. 7(2)"),
    ("limit.step.birth_registration", 1, SINCE, None, "same working day"),
    ("limit.step.permanent_residence", 2, SINCE, None, "setting (DOMAIN.md §1)"),
    ("limit.step.health_insurance_card", 2, SINCE, None, "setting (DOMAIN.md §1)"),
    ("limit.step.death_registration", 1, SINCE, None, "same working day"),
    ("limit.step.residence_deregistration", 3, SINCE, None, "setting (DOMAIN.md §1)"),
    ("limit.step.funeral_allowance.social_insurance", 10, SINCE, None, "setting (DOMAIN.md §1)"),
    ("limit.step.funeral_allowance.merit", 10, SINCE, None, "setting (DOMAIN.md §1)"),
    ("limit.step.funeral_allowance.social_protection", 3, SINCE, None, "commune chairman, 3 working days"),
    ("limit.step.funeral_allowance.emergency", 3, SINCE, None, "commune chairman, 3 working days"),
    ("limit.step.survivor_benefit", 10, SINCE, None, "setting (DOMAIN.md §1)"),
    ("supplement.wait", 7, SINCE, None, "working days to supply missing documents"),
    ("registration.birth.late_after_days", 60, SINCE, None, "birth registered later is flagged late"),
    ("registration.death.late_after_days", 15, SINCE, None, "death registered later is flagged late"),
    ("attachment.max_bytes", 10 * 1024 * 1024, SINCE, None, "largest scanned document accepted"),
    ("funeral.multiple.social_insurance", 10, SINCE, None, "× base salary"),
    ("funeral.multiple.merit", 10, SINCE, None, "× base salary"),
    ("funeral.multiple.social_protection", 20, SINCE, None, "× standard social-assistance level (minimum)"),
    ("funeral.multiple.emergency", 50, SINCE, None, "× standard social-assistance level (minimum)"),
    # The most an office may record, as a multiple of the table's amount (an amount above the table
    # needs a reason citing the decision that allows it; beyond this it is refused as a mistake).
    ("funeral.ceiling.social_insurance", 2, SINCE, None, "× the rate table's amount (most recorded)"),
    ("funeral.ceiling.merit", 2, SINCE, None, "× the rate table's amount (most recorded)"),
    ("funeral.ceiling.social_protection", 3, SINCE, None, "× the rate table's amount (most recorded)"),
    ("funeral.ceiling.emergency", 3, SINCE, None, "× the rate table's amount (most recorded)"),
    ("rate.base_salary", 1_490_000, D("2019-07-01"), D("2023-06-30"), "base salary"),
    ("rate.base_salary", 1_800_000, D("2023-07-01"), D("2024-06-30"), "base salary"),
    ("rate.base_salary", 2_340_000, D("2024-07-01"), D("2026-06-30"), "base salary"),
    ("rate.base_salary", 2_530_000, D("2026-07-01"), None, "base salary"),
    ("rate.social_assistance_level", 360_000, D("2021-07-01"), D("2024-06-30"), "standard social-assistance level"),
    ("rate.social_assistance_level", 500_000, D("2024-07-01"), None, "standard social-assistance level"),
]

CALENDAR_2026 = [
    *((D("2026-02-14") + datetime.timedelta(days=n), False, "Tết Bính Ngọ 2026") for n in range(9)),
    (D("2026-08-22"), True, "làm bù cho thứ Hai 31/8/2026"),
    (D("2026-08-31"), False, "nghỉ bù Quốc khánh 2026"),
]


def cases_reference_seed() -> None:
    """Add the shipped procedures, variants, settings and 2026 calendar changes that are missing."""
    with transaction.atomic():
        for position, (code, name, kind, role, requires, fields) in enumerate(PROCEDURES, start=1):
            procedure, _created = Procedure.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "bundle_kind": kind,
                    "agency_role": role,
                    "position": position,
                    "result_fields": [{"name": field, "type": kind_} for field, kind_ in fields],
                    "data_sections": DATA_SECTIONS[code],
                },
            )
            if not procedure.name_en and code in PROCEDURE_NAMES_EN:  # an English name is missing
                procedure.name_en = PROCEDURE_NAMES_EN[code]
                procedure.save(update_fields=["name_en"])
            procedure.requires.add(*Procedure.objects.filter(code__in=requires))
        for kind, name, codes in VARIANTS:
            variant, created = BundleVariant.objects.get_or_create(kind=kind, name=name)
            if created:
                variant.procedures.set(Procedure.objects.filter(code__in=codes))
            if not variant.name_en and name in VARIANT_NAMES_EN:
                variant.name_en = VARIANT_NAMES_EN[name]
                variant.save(update_fields=["name_en"])
        for key, value, valid_from, valid_to, note in SETTINGS:
            Setting.objects.get_or_create(
                key=key, valid_from=valid_from, defaults={"value": value, "valid_to": valid_to, "note": note}
            )
        for day, working, note in CALENDAR_2026:
            CalendarOverride.objects.get_or_create(day=day, defaults={"working": working, "note": note})
