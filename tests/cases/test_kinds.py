"""Kinds as modules: a third kind of bundle is one module plus rows, a fourth step is rows (issue
12). Both are added here from test code only, and driven end to end through API v1 and the
reports, with no change to the engine."""

import datetime
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agencies.choices import AgencyRole, UserRole
from cases import kinds, rules
from cases.api.serializers import PersonSerializer
from cases.kinds import Kind, Problems
from cases.models import Bundle, BundleVariant, Event, Procedure, Setting
from cases.validation import person_problems, require
from reporting.summaries import summaries_refresh
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db
D = datetime.date.fromisoformat


class SpouseSerializer(PersonSerializer):
    id_number = serializers.CharField(min_length=12, max_length=12)


class Marriage(Kind):
    """Marriage registration at the commune's civil-status desk: one step."""

    code = "marriage"
    label = gettext_lazy("Marriage")
    new_title = "Hồ sơ kết hôn mới"
    code_prefix = "KH"
    sections = {"husband": ("Chồng", SpouseSerializer), "wife": ("Vợ", SpouseSerializer)}
    subject = "wife"
    duplicate = "wife.id_number"
    people = ("husband", "wife")
    id_number_paths = ("husband", "wife")
    documents = ("Tờ khai đăng ký kết hôn", "Giấy tờ khác")

    def problems(self, problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
        require(problems, data, "husband", "wife")
        person_problems(problems, "husband", data.get("husband"), "male", on)
        person_problems(problems, "wife", data.get("wife"), "female", on)


@pytest.fixture
def marriage():
    """The marriage kind registered, with its procedure, variant and time limit as rows."""
    kinds.register(Marriage())
    procedure = Procedure.objects.create(
        code="marriage_registration",
        name="Đăng ký kết hôn",
        bundle_kind="marriage",
        agency_role=AgencyRole.CIVIL_STATUS,
        result_fields=[{"name": "register_number", "type": "text"}],
        data_sections=["applicant", "husband", "wife"],
    )
    variant = BundleVariant.objects.create(kind="marriage", name="Kết hôn")
    variant.procedures.add(procedure)
    Setting.objects.create(key="limit.step.marriage_registration", value=3, valid_from=D("2021-01-01"))
    rules.clear_cache()
    yield
    kinds.unregister("marriage")
    rules.clear_cache()


MARRIAGE: dict[str, Any] = {
    "kind": "marriage",
    "procedures": ["marriage_registration"],
    "channel": "online",
    "commune": "16690",
    "received_at": "2026-03-02T09:00:00+07:00",
    "applicant": {"full_name": "Trần Văn Bình", "id_number": "040093005678", "relationship": "husband"},
    "husband": {"full_name": "Trần Văn Bình", "date_of_birth": "1993-01-09", "id_number": "040093005678"},
    "wife": {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-05-01", "id_number": "040195001234"},
}


def test_a_third_kind_is_filed_routed_completed_and_reported_through_the_api(
    api, integration, officer, make_user, marriage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filed = api(integration).post("/api/v1/bundles/", MARRIAGE, format="json")
        again = api(integration).post("/api/v1/bundles/", MARRIAGE, format="json")
        body = filed.json()
        bundle = Bundle.objects.get()
        [step] = body["steps"]
        done = api(officer("civil_status")).post(
            f"/api/v1/steps/{step['id']}/complete/", {"result": {"register_number": "KH-7/2026"}}, format="json"
        )

    assert filed.status_code == 201, body
    assert (body["code"], body["kind"], body["state"]) == (f"KH-40-2026-{bundle.pk:06d}", "marriage", "in_progress")
    assert (step["procedure"], step["agency_role"], step["office"]["name"], step["state"], step["due_date"]) == (
        "marriage_registration",
        "civil_status",
        "Tư pháp - Hộ tịch, UBND phường Trường Vinh",
        "ready",
        "2026-03-04",  # 3 working days counting Monday 2 March, as every limit counts
    )
    assert again.status_code == 400
    assert again.json()["errors"] == {
        "wife.id_number": [f"Đã có trong hồ sơ {body['code']}, hồ sơ này chưa bị từ chối."]
    }
    assert done.status_code == 200, done.json()
    bundle.refresh_from_db()
    assert (bundle.state, bundle.subject_name, bundle.steps.get().result) == (
        "completed",
        "Nguyễn Thị Lan",
        {"register_number": "KH-7/2026"},
    )
    # The hand-off to the office is the worker's, run here once the test's transactions commit.
    assert list(Event.objects.filter(bundle=bundle).values_list("action", flat=True)) == [
        "filed",
        "unlocked",
        "completed",
        "finished",
        "handed_off",
    ]

    summaries_refresh(D("2026-03-01"), D("2026-03-31"))
    province = make_user(UserRole.PROVINCIAL, username="province")
    report = api(province).get(
        "/api/v1/reports/online-rate/", {"unit": "16690", "from": "2026-03-01", "to": "2026-03-31"}
    )
    assert report.status_code == 200, report.json()
    total = report.json()["total"]
    assert (total["total"], total["online"]) == (1, 1)


def test_a_third_kind_refuses_what_its_own_rules_refuse(api, integration, marriage):
    data = {**MARRIAGE, "wife": {**MARRIAGE["wife"], "id_number": "040095001234"}}  # digit 4 says male

    refused = api(integration).post("/api/v1/bundles/", data, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["wife.id_number"]
    assert Bundle.objects.count() == 0


def test_a_fourth_birth_step_is_reference_rows_only(api, integration, officer, django_capture_on_commit_callbacks):
    card = Procedure.objects.create(
        code="child_identity_card",
        name="Cấp thẻ căn cước cho trẻ em dưới 14 tuổi",
        bundle_kind="birth",
        agency_role=AgencyRole.RESIDENCE,
        result_fields=[{"name": "card_number", "type": "text"}],
        data_sections=["applicant", "child"],
        position=4,
    )
    card.requires.add(Procedure.objects.get(code="birth_registration"))
    four = BundleVariant.objects.create(kind="birth", name="Khai sinh, thường trú, thẻ BHYT, căn cước")
    four.procedures.add(*Procedure.objects.filter(bundle_kind="birth"))
    Setting.objects.create(key="limit.step.child_identity_card", value=7, valid_from=D("2021-01-01"))
    rules.clear_cache()
    procedures = ["birth_registration", "permanent_residence", "health_insurance_card", "child_identity_card"]

    with django_capture_on_commit_callbacks(execute=True):
        body = api(integration).post("/api/v1/bundles/", birth(procedures=procedures), format="json").json()
        steps = {step["procedure"]: step["id"] for step in body["steps"]}
        results = {
            "birth_registration": (
                "civil_status",
                {"register_number": "KS-1/2026", "personal_id_number": "040326001122"},
            ),
            "permanent_residence": ("residence", {"registration_number": "TT-1/2026"}),
            "health_insurance_card": ("social_insurance", {"card_number": "TE1404012345678", "valid_to": "2032-02-19"}),
            "child_identity_card": ("residence", {"card_number": "040326001122"}),
        }
        answers = [
            api(officer(role)).post(f"/api/v1/steps/{steps[code]}/complete/", {"result": result}, format="json")
            for code, (role, result) in results.items()
        ]

    assert [(s["procedure"], s["agency_role"], s["state"]) for s in body["steps"]] == [
        ("birth_registration", "civil_status", "ready"),
        ("permanent_residence", "residence", "waiting"),
        ("health_insurance_card", "social_insurance", "waiting"),
        ("child_identity_card", "residence", "waiting"),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    bundle = Bundle.objects.get()
    assert bundle.state == "completed"
    assert bundle.steps.get(procedure="child_identity_card").result == {"card_number": "040326001122"}
