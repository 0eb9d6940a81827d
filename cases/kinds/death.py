"""The death bundle (docs/domain.md §1): death registration, then residence deregistration, the
funeral allowance (whose office and limit depend on one of four beneficiary categories) and the
optional survivor benefit. Its sections, rules and result checks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agencies.choices import AgencyRole
from agencies.selectors import office_for_role
from cases import rules
from cases.api.serializers import SEX
from cases.kinds import Kind, Problems, Rows, register
from cases.models import Step
from cases.validation import person_problems, require
from portal.dates import as_date
from portal.errors import NotFound


class FuneralCategory(models.TextChoices):
    """The four beneficiary categories of the funeral allowance; the category picks the agency."""

    SOCIAL_INSURANCE = "social_insurance", gettext_lazy("Social-insurance funeral allowance")
    MERIT = "merit", gettext_lazy("Person with meritorious services")
    SOCIAL_PROTECTION = "social_protection", gettext_lazy("Social-protection beneficiary")
    EMERGENCY = "emergency", gettext_lazy("Emergency aid")


FUNERAL_AGENCY_ROLE = {
    FuneralCategory.SOCIAL_INSURANCE: AgencyRole.SOCIAL_INSURANCE,
    FuneralCategory.MERIT: AgencyRole.MERIT,
    FuneralCategory.SOCIAL_PROTECTION: AgencyRole.SOCIAL_PROTECTION,
    FuneralCategory.EMERGENCY: AgencyRole.EMERGENCY_AID,
}
# Which rate the allowance is a multiple of (the multiples themselves are effective-dated settings).
FUNERAL_RATE = {
    FuneralCategory.SOCIAL_INSURANCE: "rate.base_salary",
    FuneralCategory.MERIT: "rate.base_salary",
    FuneralCategory.SOCIAL_PROTECTION: "rate.social_assistance_level",
    FuneralCategory.EMERGENCY: "rate.social_assistance_level",
}


def funeral_amount(category: FuneralCategory | str, date_of_death: datetime.date) -> int:
    """The allowance in VND: a multiple of the base salary (categories 1–2) or of the standard
    social-assistance level (3–4) in force in the month of death."""
    month = date_of_death.replace(day=1)
    multiple = rules.setting(f"funeral.multiple.{category}", month)
    return multiple * rules.setting(FUNERAL_RATE[FuneralCategory(category)], month)


def funeral_ceiling_multiple(category: FuneralCategory | str, date_of_death: datetime.date) -> int:
    """The most an office may record for the category, as a multiple of the table's amount
    (`funeral.ceiling.<category>`, in force in the month of death): beyond it is a mistake."""
    return rules.setting(f"funeral.ceiling.{category}", date_of_death.replace(day=1))


def funeral_category_for(eligible: Iterable[str], date_of_death: datetime.date) -> str:
    """The category to claim when the deceased qualifies under several: the one that pays most
    for the month of death (docs/domain.md §1: only the highest is paid); "" when none applies."""
    amounts = {category: funeral_amount(category, date_of_death) for category in eligible}
    return max(amounts, key=lambda category: amounts[category], default="")


SURVIVOR_MODES = [("lump_sum", gettext_lazy("lump sum")), ("monthly", gettext_lazy("monthly"))]
FUNERAL = "funeral_allowance"  # the procedure whose agency the beneficiary category picks


# The plain-language questions that lead to the funeral allowance's category.
FUNERAL_QUESTIONS = {
    FuneralCategory.SOCIAL_INSURANCE: gettext_lazy(
        "Was the deceased drawing a pension or a monthly social-insurance allowance, or had they paid "
        "compulsory social insurance for 12 months or more (voluntary: 60 months or more)?"
    ),
    FuneralCategory.MERIT: gettext_lazy(
        "Was the deceased a person with meritorious services to the revolution (người có công)?"
    ),
    FuneralCategory.SOCIAL_PROTECTION: gettext_lazy(
        "Was the deceased on a monthly social allowance or social pension (bảo trợ xã hội)?"
    ),
    FuneralCategory.EMERGENCY: gettext_lazy(
        "Did the person die in a natural disaster, fire, epidemic, traffic accident or serious work accident?"
    ),
}


# The law each category comes from (docs/domain.md §1), as the guides cite it.
FUNERAL_LAWS = {
    FuneralCategory.SOCIAL_INSURANCE: gettext_lazy(
        "Law on Social Insurance No. 41/2024/QH15 (before 1 July 2025: Law No. 58/2014/QH13, art. 66)."
    ),
    FuneralCategory.MERIT: gettext_lazy(
        "Ordinance on preferential treatment of people with meritorious services No. 02/2020/UBTVQH14 and "
        "Decree 131/2021/NĐ-CP."
    ),
    FuneralCategory.SOCIAL_PROTECTION: gettext_lazy(
        "Decree 20/2021/NĐ-CP, art. 11 (funeral support for social-protection beneficiaries)."
    ),
    FuneralCategory.EMERGENCY: gettext_lazy("Decree 20/2021/NĐ-CP, art. 14 (emergency aid: funeral support)."),
}


class FuneralForm(forms.Form):
    """The four questions; ticking several is allowed: the category that pays most is taken."""

    prefix = "funeral"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, question in FUNERAL_QUESTIONS.items():
            self.fields[category] = forms.BooleanField(label=question, required=False)


class DeceasedSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    sex = serializers.ChoiceField(SEX)
    date_of_birth = serializers.DateField()
    id_number = serializers.CharField(min_length=12, max_length=12)
    date_of_death = serializers.DateField()
    place_of_death = serializers.CharField(max_length=300)
    cause = serializers.CharField(max_length=300, required=False, allow_blank=True)
    last_residence = serializers.CharField(max_length=300)


class DeathNoticeSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=50)
    issuer = serializers.CharField(max_length=200)
    date = serializers.DateField()


class SurvivorBenefitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(SURVIVOR_MODES)


def date_of_death(data: dict[str, Any]) -> datetime.date | None:
    """The date of death of a payload (ISO text) or of validated data (a date); None if none."""
    died = (data.get("deceased") or {}).get("date_of_death")
    return as_date(died) if isinstance(died, str) else died


REASON_MIN_LENGTH = 20
# A Vietnamese legal document's number: "12/2025/NQ-HĐND", "589/KH-UBND", "1449/QĐ-BHXH".
DECISION_NUMBER = re.compile(r"\b\d+/(?:\d{4}/)?[A-ZĐ]{1,10}(?:-[A-ZĐ0-9]{1,12})*", re.IGNORECASE)
# Its date: "10/07/2025", "10-7-2025" or "ngày 10 tháng 7 năm 2025".
DECISION_DATE = re.compile(
    r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b|ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE
)


def reason_cites_a_decision(reason: str) -> bool:
    """A reason for paying more than the rate table says something: some words, and the number
    and date of the decision (a province's resolution, say) that allows it."""
    text = reason.strip()
    return (
        len(text) >= REASON_MIN_LENGTH
        and bool(DECISION_NUMBER.search(text))
        and any(_real_date(*(part for part in match.groups() if part)) for match in DECISION_DATE.finditer(text))
    )


def _real_date(day: str, month: str, year: str) -> bool:
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def answers_facts(data: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The questions the family answered yes to, as one fact; none for a dossier filed without
    them (before the desk asked them, or by a partner that sends only the category)."""
    answers = [FUNERAL_QUESTIONS[answer] for answer in FUNERAL_QUESTIONS if answer in data.get("funeral_answers", ())]
    if not answers:
        return []
    return [(_("The family answered “yes”"), format_html_join(SafeString("<br>"), "{}", ((a,) for a in answers)))]


def rule_amount(step: Step) -> int:
    """What the rate table gives for the bundle's category and month of death: the amount paid
    unless the officer records another with a reason (categories 3 and 4 are legal minimums that a
    province may raise; below the table is never paid)."""
    died = date_of_death(step.bundle.data)
    assert died is not None
    return funeral_amount(step.bundle.category, died)


SINCE = datetime.date(2021, 1, 1)
D = datetime.date.fromisoformat
ROWS = Rows(
    procedures=[
        ("death_registration", "Đăng ký khai tử", "Death registration", AgencyRole.CIVIL_STATUS, [],
         [("register_number", "text")], ["applicant", "deceased", "death_notice"]),
        ("residence_deregistration", "Xóa đăng ký thường trú", "Permanent residence deregistration",
         AgencyRole.RESIDENCE, ["death_registration"], [("registration_number", "text")], ["applicant", "deceased"]),
        (FUNERAL, "Trợ cấp mai táng phí / hỗ trợ chi phí mai táng", "Funeral allowance / funeral cost support", "",
         ["death_registration"], [("decision_number", "text"), ("amount_vnd", "amount")],
         ["applicant", "deceased", "funeral_category"]),
        ("survivor_benefit", "Giải quyết chế độ tử tuất", "Survivor benefits", AgencyRole.SOCIAL_INSURANCE,
         ["death_registration"], [("decision_number", "text")], ["applicant", "deceased", "survivor_benefit"]),
    ],
    variants=[
        ("Khai tử, xóa thường trú", "Death, residence deregistration",
         ["death_registration", "residence_deregistration"]),
        ("Khai tử, xóa thường trú, mai táng phí", "Death, residence deregistration, funeral allowance",
         ["death_registration", "residence_deregistration", FUNERAL]),
        ("Khai tử, xóa thường trú, mai táng phí, tử tuất",
         "Death, residence deregistration, funeral allowance, survivor benefits",
         ["death_registration", "residence_deregistration", FUNERAL, "survivor_benefit"]),
    ],
    settings=[
        ("limit.step.death_registration", 1, SINCE, None, "same working day"),
        ("ladder.unclaimed.death_registration", 2, SINCE, None, "a same-day step: 2 office hours unclaimed"),
        ("limit.step.residence_deregistration", 3, SINCE, None, "setting (DOMAIN.md §1)"),
        ("limit.step.funeral_allowance.social_insurance", 10, SINCE, None, "setting (DOMAIN.md §1)"),
        ("limit.step.funeral_allowance.merit", 10, SINCE, None, "setting (DOMAIN.md §1)"),
        ("limit.step.funeral_allowance.social_protection", 3, SINCE, None, "commune chairman, 3 working days"),
        ("limit.step.funeral_allowance.emergency", 3, SINCE, None, "commune chairman, 3 working days"),
        ("limit.step.survivor_benefit", 10, SINCE, None, "setting (DOMAIN.md §1)"),
        ("registration.death.late_after_days", 15, SINCE, None, "death registered later is flagged late"),
        # Fees in đồng (docs/domain.md §1: none in practice), read by the guides.
        ("fee.death_registration", 0, SINCE, None, "Law on Civil Status 2014 art. 11: on-time registration is free"),
        ("fee.residence_deregistration", 0, SINCE, None, "no fee for a deregistration"),
        ("fee.funeral_allowance", 0, SINCE, None, "an allowance: no fee"),
        ("fee.survivor_benefit", 0, SINCE, None, "a benefit: no fee"),
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
        ("rate.social_assistance_level", 360_000, D("2021-07-01"), D("2024-06-30"),
         "standard social-assistance level"),
        ("rate.social_assistance_level", 500_000, D("2024-07-01"), None, "standard social-assistance level"),
    ],
)  # fmt: skip


class Death(Kind):
    code = "death"
    label = gettext_lazy("Death")
    new_title = gettext_lazy("New death dossier")
    online_title = gettext_lazy("Register a death online")
    code_prefix = "KT"  # khai tử
    rows = ROWS
    sections = {
        "deceased": (gettext_lazy("The deceased"), DeceasedSerializer),
        "death_notice": (
            gettext_lazy("Death notice (giấy báo tử) or the document that replaces it"),
            DeathNoticeSerializer,
        ),
        "survivor_benefit": (gettext_lazy("Survivor benefit"), SurvivorBenefitSerializer),
    }
    subject = "deceased"
    duplicate = "deceased.id_number"
    event_date = "deceased.date_of_death"
    people = ("deceased",)
    id_number_paths = ("deceased",)
    documents = (
        "Giấy báo tử hoặc giấy tờ thay thế",
        "Tờ khai đăng ký khai tử",
        "Giấy tờ tùy thân của người đi đăng ký",
        "Giấy tờ chứng minh diện hưởng trợ cấp mai táng",
        "Giấy tờ khác",
    )
    document_procedures = {"Giấy tờ chứng minh diện hưởng trợ cấp mai táng": FUNERAL}
    guide_applicants = gettext_lazy(
        "The spouse, a child, a parent or another relative of the deceased; if there is none, the head of the "
        "agency or organisation where the person died (Law on Civil Status 2014, art. 33)."
    )
    guide_where = gettext_lazy(
        "The one-stop desk (Bộ phận Một cửa) of the People's Committee of the commune or ward where the deceased "
        "last lived (Law on Civil Status 2014, art. 32)."
    )
    category_laws: dict[str, Any] = {str(category): law for category, law in FUNERAL_LAWS.items()}
    category_note = gettext_lazy(
        "The desk asks the four questions below; answer “yes” to each that is true. Exactly one category is "
        "paid: where several are true, the one that pays most."
    )
    document_names_en = {
        "Giấy báo tử hoặc giấy tờ thay thế": "Death notice or the document that replaces it",
        "Tờ khai đăng ký khai tử": "Death registration form",
        "Giấy tờ tùy thân của người đi đăng ký": "Identity document of the person registering",
        "Giấy tờ chứng minh diện hưởng trợ cấp mai táng": "Proof of eligibility for the funeral allowance",
        "Giấy tờ khác": "Other document",
    }
    labels = {
        "date_of_death": gettext_lazy("Date of death"),
        "place_of_death": gettext_lazy("Place of death"),
        "cause": gettext_lazy("Cause of death"),
        "last_residence": gettext_lazy("Last place of residence"),
        "number": gettext_lazy("Number"),
        "issuer": gettext_lazy("Issued by"),
        "date": gettext_lazy("Date issued"),
        "mode": gettext_lazy("How the benefit is paid"),
    }
    choice_labels = {"mode": dict(SURVIVOR_MODES)}
    result_labels = {
        "decision_number": gettext_lazy("Decision number"),
        "amount_vnd": gettext_lazy("Amount (đồng)"),
        # Kept beside an amount other than the rate table's (result_kept).
        "amount_rule_vnd": gettext_lazy("Amount set by the rules"),
        "amount_reason": gettext_lazy("Reason for the different amount"),
    }

    notice_label = gettext_lazy("Number of the death notice the hospital sent electronically")
    notice_offer = gettext_lazy("Register the death of %(name)s, who died on %(day)s at %(place)s.")
    notice_action = gettext_lazy("Register the death")
    # The funeral allowance's office and limit depend on the beneficiary category (Bundle.category).
    categories = FuneralCategory.choices
    category_field = "funeral_category"
    category_title = gettext_lazy("funeral category")

    intake_template = "cases/kinds/death_intake.html"
    intake_path = "funeral-category"
    intake_legend = gettext_lazy("Funeral allowance")
    intake_field = "funeral_category"

    def intake_form(self, data: Any) -> forms.Form:
        return FuneralForm(data=data)

    def intake_payload(self, form: forms.Form, payload: dict[str, Any], procedures: list[str]) -> None:
        if FUNERAL not in procedures:
            return
        eligible = [category for category in FUNERAL_QUESTIONS if form[category].value()]
        died = date_of_death(payload)
        category = funeral_category_for(eligible, died) if eligible and died else ""
        if category:
            payload["funeral_category"] = category
            payload["funeral_answers"] = [str(answer) for answer in eligible]

    def intake_post(self, payload: dict[str, Any]) -> dict[str, str]:
        answers = payload.get("funeral_answers") or [payload.get("funeral_category")]
        return {f"funeral-{answer}": "on" for answer in answers if answer}

    def intake_refusals(self, intake: Any, problems: Problems) -> Problems:
        """The page asks four yes/no questions, not for one category: nothing ticked asks for every
        "yes"; answers ticked without a date of death leave the category to that date's own error
        (the category follows from the answers and the month of death)."""
        if FUNERAL not in intake.procedures() or self.intake_field not in problems:
            return problems
        if not any(intake.part[category].value() for category in FUNERAL_QUESTIONS):
            return {
                **problems,
                self.intake_field: [
                    _(
                        "Tick every question the family answers “yes” to (at least one); if none is true, "
                        "choose a set of procedures without the funeral allowance."
                    )
                ],
            }
        if {"deceased", "deceased.date_of_death"} & set(problems):
            return {path: messages for path, messages in problems.items() if path != self.intake_field}
        return problems

    def intake_context(self, intake: Any, commune: str) -> dict[str, Any] | None:
        """The category the answers lead to, with the office that pays it and the amount."""
        if not intake.top.is_bound or FUNERAL not in intake.procedures():
            return None
        payload = intake.payload(commune="")
        died = date_of_death(payload)
        category = payload.get("funeral_category", "")
        if not category:
            return {"category": "", "missing_date": died is None and intake.part.has_changed()}
        assert died is not None
        try:
            office = office_for_role(
                role=self.category_role(category),
                commune_code=commune,
                on=timezone.localdate(),
            ).name
        except NotFound:
            office = "—"
        return {
            "category": category,
            "category_label": FuneralCategory(category).label,
            "office": office,
            "amount": funeral_amount(category, died),
        }

    def api_fields(self) -> dict[str, serializers.Field]:
        return {
            # The categories whose question the family answered yes to (the desk's page sends them).
            "funeral_answers": serializers.ListField(
                child=serializers.ChoiceField(FuneralCategory.choices), required=False, max_length=4
            ),
        }

    def problems(self, problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
        require(
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
        person_problems(problems, "deceased", deceased, None, on)
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
        if FUNERAL in procedures and not data.get("funeral_category"):
            problems["funeral_category"].append(_("Choose exactly one beneficiary category for the funeral allowance."))
        if FUNERAL not in procedures and data.get("funeral_category"):
            problems["funeral_category"].append(_("Only for a bundle that asks for the funeral allowance."))
        answers = data.get("funeral_answers")
        if answers and data.get("funeral_category") and data["funeral_category"] not in answers:
            problems["funeral_answers"].append(
                _("The funeral allowance's category must be one the family answered yes to.")
            )
        if "survivor_benefit" in procedures:
            require(problems, data, "survivor_benefit.mode")
        elif data.get("survivor_benefit"):
            problems["survivor_benefit"].append(_("Only for a bundle that asks for the survivor benefit."))

    def category_question(self, category: str) -> Any:
        return FUNERAL_QUESTIONS[FuneralCategory(category)]

    def category_amount(self, category: str, on: datetime.date) -> int | None:
        return funeral_amount(category, on)

    def category_role(self, category: str) -> str:
        return FUNERAL_AGENCY_ROLE[FuneralCategory(category)]

    def filing_facts(self, data: dict[str, Any]) -> list[tuple[Any, Any]]:
        """The funeral allowance's category, the amount the rate table gives for the month of death,
        and the questions the family answered yes to (when the desk's page asked them)."""
        category, died = self.category(data), date_of_death(data)
        if not category or died is None:
            return []
        amount = funeral_amount(category, died)
        facts: list[tuple[Any, Any]] = [
            (_("Funeral category"), FuneralCategory(category).label),
            (
                _("Amount set by the rules"),
                _("%(amount)s đồng (rate table of %(month)s)")
                % {"amount": rules.vnd(amount), "month": f"{died:%m/%Y}"},
            ),
        ]
        return facts + answers_facts(data)

    def result_problems(self, step: Step, result: dict[str, Any]) -> Problems:
        """The funeral amount: never below the rate table; above it only with a reason that cites
        the decision allowing it, and never beyond the category's ceiling (a multiple of the table)."""
        if step.procedure_id != FUNERAL:
            return {}
        minimum = rule_amount(step)
        problems: Problems = {}
        amount, reason = result.get("amount_vnd"), result.get("amount_reason", "")
        if not isinstance(amount, int):
            return problems  # its type is refused under its field already
        died = date_of_death(step.bundle.data)
        assert died is not None
        multiple = funeral_ceiling_multiple(step.bundle.category, died)
        if amount < minimum:
            problems["result.amount_vnd"] = [
                _("At least %(amount)s đồng for this category and month of death.") % {"amount": rules.vnd(minimum)}
            ]
        elif amount > minimum * multiple:
            problems["result.amount_vnd"] = [
                _(
                    "At most %(amount)s đồng (%(multiple)s times the rate table's %(rule)s đồng) for this "
                    "category: check the amount."
                )
                % {"amount": rules.vnd(minimum * multiple), "multiple": multiple, "rule": rules.vnd(minimum)}
            ]
        if not isinstance(reason, str) or len(reason) > 2000:
            problems["result.amount_reason"] = [_("Enter the reason as text of at most 2,000 characters.")]
        elif amount > minimum and not reason_cites_a_decision(reason):
            problems["result.amount_reason"] = [
                _(
                    "The rate table gives %(amount)s đồng. To pay more, say why in at least %(length)s characters "
                    "and cite the decision that allows it, with its number and date (for example: Nghị quyết "
                    "12/2025/NQ-HĐND ngày 10/07/2025)."
                )
                % {"amount": rules.vnd(minimum), "length": REASON_MIN_LENGTH}
            ]
        return problems

    def result_kept(self, step: Step, kept: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        """Another amount than the rate table's is kept with its reason and both figures, in the
        result (the province's list of exceptions) and in the audit trail."""
        if step.procedure_id != FUNERAL:
            return {}
        minimum = rule_amount(step)
        if kept["amount_vnd"] == minimum:
            return {}
        kept.update(amount_rule_vnd=minimum, amount_reason=result["amount_reason"].strip())
        return {"amount_rule_vnd": minimum, "amount_vnd": kept["amount_vnd"]}

    def result_initial(self, step: Step) -> dict[str, Any]:
        if step.procedure_id != FUNERAL or not step.bundle.category:
            return {}
        return {"amount_vnd": rule_amount(step)}

    def step_facts(self, step: Step) -> list[tuple[Any, Any]]:
        """The funeral step's category and amount, with the answers that chose it (as on the desk's page)."""
        if step.procedure_id != FUNERAL or not step.bundle.category:
            return []
        shown = str(FuneralCategory(step.bundle.category).label)
        return [
            (_("Funeral category"), f"{shown} · {rules.vnd(rule_amount(step))} đồng"),
            *answers_facts(step.bundle.data),
        ]

    def receipt_facts(self, bundle: Any, steps: list[Step]) -> list[SafeString]:
        """The funeral allowance a death dossier claims: its category, the amount the rate table
        gives for the month of death, and the office that pays it."""
        step = next((step for step in steps if step.procedure_id == FUNERAL), None)
        died = date_of_death(bundle.data)
        if step is None or not bundle.category or died is None:
            return []
        with translation.override("vi"):
            label = str(FuneralCategory(bundle.category).label)
        amount = funeral_amount(bundle.category, died)
        return [
            format_html(
                "Chế độ mai táng: <strong>{}</strong>; mức dự kiến <strong>{} đồng</strong> theo mức quy định "
                "tại tháng người chết qua đời, do {} chi trả.",
                label,
                rules.vnd(amount),
                step.office.name,
            )
        ]


register(Death())
