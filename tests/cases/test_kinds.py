"""Kinds as modules: a third kind of bundle is one module plus rows, a fourth step is rows (issue
12). Both are added here from test code only, and driven end to end through API v1, the desk's,
the citizen's and the officer's pages, the receipt and the reports, with no change to the engine;
a fourth kind has a category that picks the office of its role-less step, and a section named as
one of birth's, with its own serializer (issue 29 §3)."""

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agencies.choices import AgencyRole, UserRole
from cases import kinds, rules
from cases.api.serializers import BundleCreateSerializer, PersonSerializer
from cases.kinds import Kind, Problems
from cases.models import Bundle, BundleVariant, Event, Procedure, Setting
from cases.validation import person_problems, require
from reporting.summaries import summaries_refresh
from tests.cases.conftest import at, birth
from tests.citizens.test_area import citizen_user, sign_in
from tests.pdfs import pdf_text, signed_get
from tests.scans import PDF

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


MARRIAGE_FORM = {
    "delivery": "electronic",
    "applicant-full_name": "Trần Văn Bình",
    "applicant-id_number": "040093005678",
    "applicant-relationship": "chồng",
    "husband-full_name": "Trần Văn Bình",
    "husband-date_of_birth": "1993-01-09",
    "husband-id_number": "040093005678",
    "wife-full_name": "Nguyễn Thị Lan",
    "wife-date_of_birth": "1995-05-01",
    "wife-id_number": "040195001234",
}


def variant_of(page: str, name: str) -> str:
    return re.search(rf'value="(\d+)"[^>]*>\s*{re.escape(name)}\s*<', page).group(1)


def signed_payload(page: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', page).group(1)


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


def test_a_third_kind_is_filed_at_the_desk_worked_on_the_step_page_and_its_receipt_printed(
    client, make_user, officer, marriage, signing, travel
):
    client.force_login(make_user(UserRole.CLERK, commune="16690"))
    intake = client.get("/clerk/new/marriage/").content.decode()
    form = {**MARRIAGE_FORM, "channel": "direct", "variant": variant_of(intake, "Kết hôn")}
    review = client.post("/clerk/new/marriage/", form)
    filed = client.post(
        "/clerk/new/marriage/",
        {
            "action": "file",
            "payload": signed_payload(review.content.decode()),
            "document-1-kind": "Tờ khai đăng ký kết hôn",
            "document-1-file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )
    bundle = Bundle.objects.get()
    signing(unit=bundle.commune)
    receipt = pdf_text(signed_get(client, f"/bundles/{bundle.code}/receipt.pdf").content)
    step = bundle.steps.get()
    client.force_login(officer("civil_status"))
    step_page = client.get(f"/steps/{step.pk}/").content.decode()
    done = client.post(f"/steps/{step.pk}/complete/", {"result-register_number": "KH-7/2026", "result-confirm": "on"})

    assert ("Hồ sơ kết hôn mới" in intake, 'id="notice-lookup"' in intake) == (True, False)
    assert review.status_code == 200, review.content.decode()
    assert "Tư pháp - Hộ tịch, UBND phường Trường Vinh" in review.content.decode()
    assert filed.status_code == 302 and filed["Location"] == f"/bundles/{bundle.code}/"
    assert (bundle.kind, bundle.code, bundle.subject_name) == (
        "marriage",
        f"KH-40-2026-{bundle.pk:06d}",
        "Nguyễn Thị Lan",
    )
    assert bundle.code in receipt and "Đăng ký kết hôn" in receipt and "Trần Văn Bình" in receipt
    assert bundle.code in step_page and "Nguyễn Thị Lan" in step_page
    assert done.status_code == 302
    bundle.refresh_from_db()
    assert (bundle.state, bundle.steps.get().result) == ("completed", {"register_number": "KH-7/2026"})


def test_a_citizen_files_a_third_kind_online_and_finds_it_in_their_area(client, marriage, signing, travel):
    sign_in(client, citizen_user("040093005678"))
    intake = client.get("/citizen/file/marriage/").content.decode()
    form = {**MARRIAGE_FORM, "commune": "16690", "variant": variant_of(intake, "Kết hôn")}
    review = client.post("/citizen/file/marriage/", form)
    filed = client.post(
        "/citizen/file/marriage/",
        {
            "action": "file",
            "payload": signed_payload(review.content.decode()),
            "document-1-kind": "Tờ khai đăng ký kết hôn",
            "document-1-file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )
    bundle = Bundle.objects.get()
    area = client.get("/citizen/").content.decode()
    page = client.get(f"/citizen/dossiers/{bundle.code}/").content.decode()
    signing(unit=bundle.commune)
    receipt = pdf_text(signed_get(client, f"/citizen/dossiers/{bundle.code}/receipt.pdf").content)

    assert review.status_code == 200, review.content.decode()
    assert filed.status_code == 302 and filed["Location"] == f"/citizen/dossiers/{bundle.code}/"
    assert (bundle.kind, bundle.channel, bundle.source) == ("marriage", "online", "citizen")
    assert bundle.code in area and "Đăng ký kết hôn" in page
    assert bundle.code in receipt


class SupportedChildSerializer(serializers.Serializer):
    """The support kind's own "child": nothing of birth's (no certificate, no place of birth)."""

    full_name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(min_length=12, max_length=12)
    school = serializers.CharField(max_length=200)


class Support(Kind):
    """A childcare support whose payment the category's office makes: a role-less procedure."""

    code = "support"
    label = gettext_lazy("Childcare support")
    new_title = "Hồ sơ hỗ trợ trẻ em mới"
    code_prefix = "HT"
    sections = {"child": ("Trẻ em", SupportedChildSerializer)}  # the name birth's child has
    subject = "child"
    duplicate = "child.id_number"
    categories = [("poor", "Hộ nghèo"), ("merit_family", "Con của người có công")]
    category_field = "support_category"
    category_title = "diện hỗ trợ"

    def category_role(self, category: str) -> str:
        return {"poor": AgencyRole.SOCIAL_PROTECTION, "merit_family": AgencyRole.MERIT}[category]

    def problems(self, problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
        require(problems, data, "child", "support_category")


@pytest.fixture
def support():
    """The support kind registered, with its role-less procedure, its variant and a limit per category."""
    kinds.register(Support())
    procedure = Procedure.objects.create(
        code="support_payment",
        name="Chi trả hỗ trợ trẻ em",
        bundle_kind="support",
        agency_role="",
        result_fields=[{"name": "decision_number", "type": "text"}],
        data_sections=["applicant", "child", "support_category"],
    )
    BundleVariant.objects.create(kind="support", name="Hỗ trợ trẻ em").procedures.add(procedure)
    for category, days in (("poor", 3), ("merit_family", 10)):
        Setting.objects.create(key=f"limit.step.support_payment.{category}", value=days, valid_from=D("2021-01-01"))
    rules.clear_cache()
    yield
    kinds.unregister("support")
    rules.clear_cache()


SUPPORT: dict[str, Any] = {
    "kind": "support",
    "procedures": ["support_payment"],
    "channel": "direct",
    "commune": "16690",
    "received_at": "2026-03-02T09:00:00+07:00",
    "applicant": {"full_name": "Nguyễn Thị Lan", "id_number": "040195001234", "relationship": "mẹ"},
    "child": {"full_name": "Trần Minh An", "id_number": "040326001122", "school": "Trường tiểu học Lê Mao"},
}


@pytest.mark.parametrize(
    ("category", "role", "office", "due"),
    [
        ("poor", "social_protection", "Chủ tịch UBND phường Trường Vinh", "2026-03-04"),
        ("merit_family", "merit", "Sở Nội vụ tỉnh Nghệ An", "2026-03-13"),
    ],
)
def test_a_kind_with_a_category_routes_its_role_less_step_to_the_categorys_office(
    api, integration, support, category, role, office, due
):
    filed = api(integration).post("/api/v1/bundles/", {**SUPPORT, "support_category": category}, format="json")
    missing = api(integration).post(
        "/api/v1/bundles/", {**SUPPORT, "child": {**SUPPORT["child"], "id_number": "040326009999"}}, format="json"
    )

    assert filed.status_code == 201, filed.json()
    body = filed.json()
    [step] = body["steps"]
    assert (body["support_category"], body["funeral_category"]) == (category, "")
    assert (step["agency_role"], step["office"]["name"], step["due_date"]) == (role, office, due)
    assert Bundle.objects.get().category == category
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["support_category"]


def test_two_kinds_with_a_section_of_the_same_name_each_get_their_own_serializer(support):
    supported = BundleCreateSerializer(data={**SUPPORT, "support_category": "poor"})
    born = BundleCreateSerializer(data=birth(child={"full_name": "Trần Minh An", "school": "Lê Mao"}))

    assert supported.is_valid(), supported.errors
    assert dict(supported.validated_data["child"]) == SUPPORT["child"]
    assert not born.is_valid()
    assert sorted(born.errors["child"]) == ["birth_certificate_number", "date_of_birth", "place_of_birth", "sex"]
