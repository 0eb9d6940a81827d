"""The birth bundle (docs/domain.md §1): birth registration, then permanent residence and a
health-insurance card for a child under 6. Its sections, rules and result checks."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agencies.choices import AgencyRole
from cases.api.serializers import SEX, PersonSerializer
from cases.kinds import Kind, Problems, Rows, register
from cases.models import Step
from cases.validation import age_on, person_problems, require


class ChildSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    sex = serializers.ChoiceField(SEX)
    date_of_birth = serializers.DateField()
    place_of_birth = serializers.CharField(max_length=300)
    ethnicity = serializers.CharField(max_length=50, default="Kinh")
    nationality = serializers.CharField(max_length=50, default="VN")
    birth_certificate_number = serializers.CharField(max_length=50)


class HouseholdHeadSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(min_length=12, max_length=12)
    relationship_to_child = serializers.CharField(max_length=50)


class ResidenceSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300)
    commune = serializers.CharField(max_length=5, required=False)
    household_head = HouseholdHeadSerializer()
    household_head_consent = serializers.BooleanField()
    owner_consent = serializers.BooleanField()


class InsuranceSerializer(serializers.Serializer):
    initial_clinic = serializers.CharField(max_length=200)


def sixth_birthday_eve(born: datetime.date) -> datetime.date:
    """The last day a child is under 6: a health-insurance card for the under-6 runs to it."""
    try:
        sixth = born.replace(year=born.year + 6)
    except ValueError:  # born on 29 February
        sixth = datetime.date(born.year + 6, 3, 1)
    return sixth - datetime.timedelta(days=1)


SINCE = datetime.date(2021, 1, 1)
ROWS = Rows(
    procedures=[
        ("birth_registration", "Đăng ký khai sinh", "Birth registration", AgencyRole.CIVIL_STATUS, [],
         [("register_number", "text"), ("personal_id_number", "id_number")],
         ["applicant", "child", "mother", "father"]),
        ("permanent_residence", "Đăng ký thường trú", "Permanent residence registration", AgencyRole.RESIDENCE,
         ["birth_registration"], [("registration_number", "text")], ["applicant", "child", "residence"]),
        ("health_insurance_card", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
         "Health-insurance card for a child under 6", AgencyRole.SOCIAL_INSURANCE, ["birth_registration"],
         [("card_number", "text"), ("valid_to", "date")], ["applicant", "child", "insurance"]),
    ],
    variants=[
        ("Khai sinh, thường trú, thẻ BHYT", "Birth, permanent residence, health-insurance card",
         ["birth_registration", "permanent_residence", "health_insurance_card"]),
        ("Khai sinh, thường trú", "Birth, permanent residence", ["birth_registration", "permanent_residence"]),
        ("Khai sinh, thẻ BHYT", "Birth, health-insurance card", ["birth_registration", "health_insurance_card"]),
    ],
    settings=[
        ("limit.bundle.birth", 3, SINCE, None, "Decree 63/2024/NĐ-CP art. 7(2)"),
        ("limit.bundle.birth.verification", 5, SINCE, None, "Decree 63/2024/NĐ-CP art. 7(2)"),
        ("limit.step.birth_registration", 1, SINCE, None, "same working day"),
        ("ladder.unclaimed.birth_registration", 2, SINCE, None, "a same-day step: 2 office hours unclaimed"),
        ("limit.step.permanent_residence", 2, SINCE, None, "setting (DOMAIN.md §1)"),
        ("limit.step.health_insurance_card", 2, SINCE, None, "setting (DOMAIN.md §1)"),
        ("registration.birth.late_after_days", 60, SINCE, None, "birth registered later is flagged late"),
        # Fees in đồng (docs/domain.md §1: none in practice), read by the guides.
        ("fee.birth_registration", 0, SINCE, None, "Law on Civil Status 2014 art. 11: on-time registration is free"),
        ("fee.permanent_residence", 0, SINCE, None, "a child's first registration is exempt"),
        ("fee.health_insurance_card", 0, SINCE, None, "the state pays a child under 6's card"),
    ],
)  # fmt: skip


class Birth(Kind):
    code = "birth"
    label = gettext_lazy("Birth")
    new_title = gettext_lazy("New birth dossier")
    online_title = gettext_lazy("Register a birth online")
    code_prefix = "KS"  # khai sinh
    rows = ROWS
    sections = {
        "child": (gettext_lazy("Child"), ChildSerializer),
        "mother": (gettext_lazy("Mother"), PersonSerializer),
        "father": (gettext_lazy("Father"), PersonSerializer),
        "residence": (gettext_lazy("Permanent residence (form CT01)"), ResidenceSerializer),
        "residence.household_head": (gettext_lazy("Household head"), HouseholdHeadSerializer),
        "insurance": (gettext_lazy("Health insurance"), InsuranceSerializer),
    }
    subject = "child"
    duplicate = "child.birth_certificate_number"
    event_date = "child.date_of_birth"
    bundle_limit = "limit.bundle.birth"
    people = ("child", "mother", "father")
    id_number_paths = ("mother", "father", "residence.household_head")
    documents = (
        "Giấy chứng sinh",
        "Tờ khai đăng ký khai sinh",
        "Tờ khai thay đổi thông tin cư trú (CT01)",
        "Giấy tờ chứng minh chỗ ở hợp pháp",
        "Giấy tờ tùy thân của người đi đăng ký",
        "Giấy tờ khác",
    )
    document_procedures = {
        "Tờ khai thay đổi thông tin cư trú (CT01)": "permanent_residence",
        "Giấy tờ chứng minh chỗ ở hợp pháp": "permanent_residence",
    }
    guide_applicants = gettext_lazy(
        "The father or the mother of the child; if they cannot, a grandparent, another relative, or the person "
        "or organisation caring for the child (Law on Civil Status 2014, art. 15)."
    )
    guide_where = gettext_lazy(
        "The one-stop desk (Bộ phận Một cửa) of the People's Committee of the commune or ward where the father "
        "or the mother lives (Law on Civil Status 2014, art. 13)."
    )
    document_names_en = {
        "Giấy chứng sinh": "Medical birth certificate (giấy chứng sinh)",
        "Tờ khai đăng ký khai sinh": "Birth registration form",
        "Tờ khai thay đổi thông tin cư trú (CT01)": "Residence information change form (CT01)",
        "Giấy tờ chứng minh chỗ ở hợp pháp": "Proof of lawful residence",
        "Giấy tờ tùy thân của người đi đăng ký": "Identity document of the person registering",
        "Giấy tờ khác": "Other document",
    }
    labels = {
        "place_of_birth": gettext_lazy("Place of birth"),
        "ethnicity": gettext_lazy("Ethnicity"),
        "nationality": gettext_lazy("Nationality"),
        "birth_certificate_number": gettext_lazy("Birth certificate (giấy chứng sinh) number"),
        "address": gettext_lazy("Address of the residence"),
        "relationship_to_child": gettext_lazy("Relationship to the child"),
        "household_head_consent": gettext_lazy("The household head agrees to register the child"),
        "owner_consent": gettext_lazy("The owner of the residence (or their representative) agrees"),
        "initial_clinic": gettext_lazy("Initial clinic"),
    }
    notice_label = gettext_lazy("Number of the birth certificate the hospital sent electronically")
    notice_offer = gettext_lazy("Register the birth of your child born on %(day)s at %(place)s.")
    notice_action = gettext_lazy("Register the birth")
    notice_relationship = gettext_lazy("mother")
    result_labels = {
        "personal_id_number": gettext_lazy("Personal identification number given to the child"),
        "card_number": gettext_lazy("Card number"),
        "valid_to": gettext_lazy("Valid to"),
    }

    def problems(self, problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
        require(problems, data, "child", "mother", "child.birth_certificate_number")
        child = data.get("child") or {}
        person_problems(problems, "child", child, None, on)
        person_problems(problems, "mother", data.get("mother"), "female", on)
        person_problems(problems, "father", data.get("father"), "male", on)
        born = child.get("date_of_birth")
        if "permanent_residence" in procedures:
            require(problems, data, "residence", "residence.address", "residence.household_head")
            residence = data.get("residence") or {}
            if residence and residence.get("household_head_consent") is not True:
                problems["residence.household_head_consent"].append(
                    _("The household head must agree to register the child in the household (form CT01).")
                )
            if residence and residence.get("owner_consent") is not True:
                problems["residence.owner_consent"].append(
                    _("The owner of the residence must agree to the registration (form CT01).")
                )
            person_problems(problems, "residence.household_head", residence.get("household_head"), None, on)
        elif data.get("residence"):
            problems["residence"].append(_("Only for a bundle that asks for permanent residence registration."))
        if "health_insurance_card" in procedures:
            require(problems, data, "insurance", "insurance.initial_clinic")
            if born and born <= on and age_on(born, on) >= 6:
                problems["child.date_of_birth"].append(
                    _("A health-insurance card through this bundle is only for a child under 6 on the day of filing.")
                )
        elif data.get("insurance"):
            problems["insurance"].append(_("Only for a bundle that asks for a health-insurance card."))

    def result_problems(self, step: Step, result: dict[str, Any]) -> Problems:
        if step.procedure_id != "health_insurance_card" or "valid_to" not in result:
            return {}
        born = datetime.date.fromisoformat(step.bundle.data["child"]["date_of_birth"])
        if datetime.date.fromisoformat(result["valid_to"]) <= sixth_birthday_eve(born):
            return {}
        return {
            "result.valid_to": [
                _("The card of a child under 6 runs at most to %(day)s, the day before the 6th birthday.")
                % {"day": sixth_birthday_eve(born).strftime("%d/%m/%Y")}
            ]
        }


register(Birth())
