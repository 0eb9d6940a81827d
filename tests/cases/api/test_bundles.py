"""Both bundles driven end to end through API v1, as a partner system would."""

import datetime

import pytest
import yaml
from django.core.management import call_command

from cases.models import Bundle, Event, Notification, Outbox, Step
from tests.cases.conftest import birth, death

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def file(api, user, data, **headers):
    return api(user).post("/api/v1/bundles/", data, format="json", headers=headers)


def step_of(body, procedure):
    return next(step for step in body["steps"] if step["procedure"] == procedure)


def test_filing_a_birth_bundle_routes_each_step_and_times_the_bundle(api, integration):
    response = file(api, integration, birth())

    body = response.json()
    assert response.status_code == 201, body
    assert body["code"] == f"KS-40-2026-{Bundle.objects.get().pk:06d}"
    assert (body["kind"], body["state"], body["channel"], body["commune"]) == (
        "birth",
        "in_progress",
        "online",
        "16690",
    )
    assert (body["received_at"], body["clock_starts_on"], body["due_date"], body["overdue"]) == (
        "2026-03-02T14:10:00+07:00",
        "2026-03-02",
        "2026-03-04",
        True,
    )
    assert [
        (s["procedure"], s["agency_role"], s["office"]["name"], s["state"], s["due_date"]) for s in body["steps"]
    ] == [
        ("birth_registration", "civil_status", "Tư pháp - Hộ tịch, UBND phường Trường Vinh", "ready", "2026-03-02"),
        ("permanent_residence", "residence", "Công an phường Trường Vinh", "waiting", None),
        ("health_insurance_card", "social_insurance", "Bảo hiểm xã hội cơ sở Vinh", "waiting", None),
    ]


def test_a_dossier_received_after_15_00_starts_its_clock_the_next_working_day(api, integration):
    body = file(api, integration, birth(received_at="2026-03-02T15:01:00+07:00")).json()

    assert (body["clock_starts_on"], body["due_date"], step_of(body, "birth_registration")["due_date"]) == (
        "2026-03-03",
        "2026-03-05",
        "2026-03-03",
    )


def test_verification_gives_the_birth_bundle_five_working_days(api, integration):
    body = file(api, integration, birth(needs_verification=True)).json()

    assert body["due_date"] == "2026-03-06"


def test_the_birth_bundle_runs_to_completion_through_each_agency(
    api, integration, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code = file(api, integration, birth()).json()["code"]
        bundle = Bundle.objects.get(code=code)
        steps = {step.procedure_id: step for step in bundle.steps.all()}

        completed = api(officer("civil_status")).post(
            f"/api/v1/steps/{steps['birth_registration'].pk}/complete/",
            {"result": {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}},
            format="json",
        )
        after_first = api(integration).get(f"/api/v1/bundles/{code}/").json()
        residence = api(officer("residence")).post(
            f"/api/v1/steps/{steps['permanent_residence'].pk}/complete/",
            {"result": {"registration_number": "TT-88/2026"}},
            format="json",
        )
        insurance = api(officer("social_insurance")).post(
            f"/api/v1/steps/{steps['health_insurance_card'].pk}/complete/",
            {"result": {"card_number": "TE1404012345678", "valid_to": "2032-02-19"}},
            format="json",
        )

    assert (completed.status_code, residence.status_code, insurance.status_code) == (200, 200, 200)
    assert [(s["procedure"], s["state"]) for s in after_first["steps"]] == [
        ("birth_registration", "done"),
        ("permanent_residence", "ready"),
        ("health_insurance_card", "ready"),
    ]
    final = api(integration).get(f"/api/v1/bundles/{code}/").json()
    assert final["state"] == "completed"
    assert step_of(final, "birth_registration")["result"] == {
        "register_number": "KS-123/2026",
        "personal_id_number": "040326001122",
    }
    events = api(integration).get(f"/api/v1/bundles/{code}/events/").json()["results"]
    assert [
        (e["action"], e["step"], e["from_state"], e["to_state"])
        for e in events
        if e["action"] not in ("handed_off", "notified")
    ] == [
        ("filed", None, "", "in_progress"),
        ("unlocked", "birth_registration", "", "ready"),
        ("completed", "birth_registration", "ready", "done"),
        ("unlocked", "permanent_residence", "waiting", "ready"),
        ("unlocked", "health_insurance_card", "waiting", "ready"),
        ("completed", "permanent_residence", "ready", "done"),
        ("completed", "health_insurance_card", "ready", "done"),
        ("finished", None, "in_progress", "completed"),
    ]
    assert Outbox.objects.filter(delivered_at__isnull=True).count() == 0
    # Each notice to the citizen is also texted (issue 13): filed, each of the 3 steps done, finished.
    assert sorted(Notification.objects.filter(bundle=bundle).values_list("outbox__topic", "recipient")) == [
        ("bundle.filed", "0912345678"),
        ("bundle.finished", "0912345678"),
        *[("notice.sms", "0912345678")] * 5,
        *[("step.done", "0912345678")] * 3,
        ("step.ready", "Bảo hiểm xã hội cơ sở Vinh"),
        ("step.ready", "Công an phường Trường Vinh"),
        ("step.ready", "Tư pháp - Hộ tịch, UBND phường Trường Vinh"),
    ]


@pytest.mark.parametrize(
    ("category", "day", "office"),
    [
        ("social_insurance", "2024-05-06", "Bảo hiểm xã hội huyện Anh Sơn"),
        ("merit", "2024-05-06", "Phòng Lao động - Thương binh và Xã hội huyện Anh Sơn"),
        ("social_protection", "2024-05-06", "Phòng Lao động - Thương binh và Xã hội huyện Anh Sơn"),
        ("emergency", "2024-05-06", "Chủ tịch UBND huyện Anh Sơn"),
        ("social_insurance", "2026-03-02", "Bảo hiểm xã hội cơ sở Anh Sơn"),
        ("merit", "2026-03-02", "Sở Nội vụ tỉnh Nghệ An"),
        ("social_protection", "2026-03-02", "Chủ tịch UBND xã Anh Sơn"),
        ("emergency", "2026-03-02", "Chủ tịch UBND xã Anh Sơn"),
    ],
)
def test_the_funeral_step_goes_to_the_office_its_category_names(api, integration, category, day, office):
    data = death(
        funeral_category=category,
        received_at=f"{day}T10:00:00+07:00",
        deceased__date_of_death=day,
        death_notice__date=day,
    )

    body = file(api, integration, data).json()

    assert step_of(body, "funeral_allowance")["office"]["name"] == office


@pytest.mark.parametrize(
    ("procedures", "extra"),
    [
        (["birth_registration", "permanent_residence"], {"insurance": None}),
        (["birth_registration", "health_insurance_card"], {"residence": None}),
    ],
)
def test_each_birth_variant_opens_its_own_steps(api, integration, procedures, extra):
    body = file(api, integration, birth(procedures=procedures, **extra)).json()

    assert [s["procedure"] for s in body["steps"]] == procedures


@pytest.mark.parametrize(
    "procedures",
    [
        ["death_registration", "residence_deregistration"],
        ["death_registration", "residence_deregistration", "funeral_allowance"],
        ["death_registration", "residence_deregistration", "funeral_allowance", "survivor_benefit"],
    ],
)
def test_each_death_variant_opens_its_own_steps(api, integration, procedures):
    extra = {} if "funeral_allowance" in procedures else {"funeral_category": None}
    if "survivor_benefit" not in procedures:
        extra["survivor_benefit"] = None

    body = file(api, integration, death(procedures=procedures, **extra)).json()

    assert [s["procedure"] for s in body["steps"]] == procedures
    assert body["state"] == "in_progress"


def test_the_same_idempotency_key_and_body_returns_the_same_bundle(api, integration):
    first = file(api, integration, birth(), **{"Idempotency-Key": "abc-1"})
    again = file(api, integration, birth(), **{"Idempotency-Key": "abc-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    assert Bundle.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_a_conflict(api, integration):
    file(api, integration, birth(), **{"Idempotency-Key": "abc-1"})

    again = file(api, integration, birth(channel="postal"), **{"Idempotency-Key": "abc-1"})

    assert again.status_code == 409
    assert Bundle.objects.count() == 1


def test_a_second_live_bundle_for_the_same_child_is_refused_with_the_existing_code(api, integration):
    code = file(api, integration, birth()).json()["code"]

    again = file(api, integration, birth())

    assert again.status_code == 400
    assert again.json()["errors"] == {
        "child.birth_certificate_number": [f"Đã có trong hồ sơ {code}, hồ sơ này chưa bị từ chối."]
    }
    assert Bundle.objects.count() == 1
    assert Event.objects.count() == 2
    assert Step.objects.count() == 3


@pytest.mark.parametrize(
    "look_alike",
    [
        "gcs-2026-000123",  # case
        " GCS - 2026 - 000123 ",  # spaces
        "ＧＣＳ－２０２６－０００１２３",  # full-width letters, digits and hyphen (NFKC)
        "GCS\u200b-2026\u2010000123",  # a zero-width space, a Unicode hyphen
    ],
)
def test_a_look_alike_of_a_live_certificate_number_is_the_same_child(api, integration, look_alike):
    """Issue 28 (low): the key only one live dossier may hold is compared in one form (NFKC, case,
    spaces, dashes), so a look-alike of a live dossier's certificate number is refused."""
    code = file(api, integration, birth(child__birth_certificate_number="GCS-2026-000123")).json()["code"]

    again = file(api, integration, birth(child__birth_certificate_number=look_alike))

    assert (again.status_code, again.json()["errors"]) == (
        400,
        {"child.birth_certificate_number": [f"Đã có trong hồ sơ {code}, hồ sơ này chưa bị từ chối."]},
    )
    assert Bundle.objects.count() == 1


@pytest.mark.parametrize("day", ["2024-05-06", "2026-03-02"])
@pytest.mark.parametrize(
    ("procedures", "extra", "offices"),
    [
        (
            ["birth_registration", "permanent_residence", "health_insurance_card"],
            {},
            {"2024-05-06": ["Tư pháp - Hộ tịch, UBND phường Trường Thi", "Công an phường Trường Thi",
                            "Bảo hiểm xã hội thành phố Vinh"],
             "2026-03-02": ["Tư pháp - Hộ tịch, UBND phường Trường Vinh", "Công an phường Trường Vinh",
                            "Bảo hiểm xã hội cơ sở Vinh"]},
        ),
        (
            ["birth_registration", "permanent_residence"],
            {"insurance": None},
            {"2024-05-06": ["Tư pháp - Hộ tịch, UBND phường Trường Thi", "Công an phường Trường Thi"],
             "2026-03-02": ["Tư pháp - Hộ tịch, UBND phường Trường Vinh", "Công an phường Trường Vinh"]},
        ),
        (
            ["birth_registration", "health_insurance_card"],
            {"residence": None},
            {"2024-05-06": ["Tư pháp - Hộ tịch, UBND phường Trường Thi", "Bảo hiểm xã hội thành phố Vinh"],
             "2026-03-02": ["Tư pháp - Hộ tịch, UBND phường Trường Vinh", "Bảo hiểm xã hội cơ sở Vinh"]},
        ),
    ],
)  # fmt: skip
def test_each_birth_variant_under_both_structures(api, integration, day, procedures, extra, offices):
    data = birth(procedures=procedures, received_at=f"{day}T09:00:00+07:00", child__date_of_birth=day, **extra)

    body = file(api, integration, data).json()

    assert [s["procedure"] for s in body["steps"]] == procedures
    assert [s["office"]["name"] for s in body["steps"]] == offices[day]


def test_the_schema_describes_every_endpoint_without_warnings(tmp_path):
    """drf-spectacular fails on any warning (an endpoint it cannot describe, a clashing name)."""
    path = tmp_path / "schema.yaml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(path))

    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sorted(p for p in schema["paths"] if p.startswith("/api/v1/steps/")) == [
        "/api/v1/steps/{id}/claim/",
        "/api/v1/steps/{id}/complete/",
        "/api/v1/steps/{id}/extract/",
        "/api/v1/steps/{id}/refuse/",
        "/api/v1/steps/{id}/release/",
        "/api/v1/steps/{id}/return/",
    ]
    assert list(schema["paths"]["/api/v1/verify/"]) == ["post"]
    assert {
        path: sorted(schema["paths"][path]) for path in schema["paths"] if path.startswith("/api/v1/webhooks/")
    } == {
        "/api/v1/webhooks/": ["get", "post"],
        "/api/v1/webhooks/{id}/": ["delete", "get"],
        "/api/v1/webhooks/{id}/deliveries/": ["get"],
        "/api/v1/webhooks/{id}/secret/": ["post"],
    }


def test_the_schema_and_the_docs_are_served(api, integration):
    schema = api(integration).get("/api/schema/")
    docs = api(integration).get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/bundles/{code}/supplement/" in schema.content
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_the_code_carries_the_local_year_of_receipt(api, integration):
    """17:30 UTC on 31 December is 00:30 on 1 January in Vietnam."""
    data = death(received_at="2025-12-31T17:30:00+00:00", deceased__date_of_death="2025-12-30",
                 death_notice__date="2025-12-30")  # fmt: skip

    body = file(api, integration, data).json()

    assert body["code"] == f"KT-40-2026-{Bundle.objects.get().pk:06d}"
    assert body["received_at"] == "2026-01-01T00:30:00+07:00"


def test_a_key_that_its_one_form_makes_too_long_is_refused_naming_the_field(api, integration):
    """Review of issue 28: NFKC and case folding lengthen some text ("ß" is "ss"); fifty of them
    made a key longer than its column: a 500."""
    answer = file(api, integration, birth(child__birth_certificate_number="ß" * 50))

    assert (answer.status_code, answer.json()["errors"]) == (
        400,
        {"child.birth_certificate_number": ["Giá trị này quá dài."]},
    )
    assert Bundle.objects.count() == 0
