"""Officers' actions on steps: claim, release, complete, return, refuse; who may act; races."""

import datetime

import pytest
import time_machine

from agencies.choices import UserRole
from cases import services
from cases.choices import StepState
from cases.models import Bundle, Event, Outbox, Step
from tests.cases.conftest import at, birth, death

pytestmark = pytest.mark.django_db


def filed(api, integration, data=None) -> Bundle:
    response = api(integration).post("/api/v1/bundles/", data or birth(), format="json")
    assert response.status_code == 201, response.json()
    return Bundle.objects.get(code=response.json()["code"])


def step(bundle, procedure) -> Step:
    return bundle.steps.get(procedure_id=procedure)


BIRTH_RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


def test_claim_then_release_puts_the_step_back_in_the_queue(api, integration, officer):
    first = step(filed(api, integration), "birth_registration")
    clerk_of_justice = officer("civil_status")

    claimed = api(clerk_of_justice).post(f"/api/v1/steps/{first.pk}/claim/")
    released = api(clerk_of_justice).post(f"/api/v1/steps/{first.pk}/release/")

    assert (claimed.json()["state"], released.json()["state"]) == ("in_progress", "ready")
    first.refresh_from_db()
    assert first.claimant is None


def test_a_step_claimed_by_one_officer_cannot_be_completed_by_another(api, integration, officer, make_user):
    first = step(filed(api, integration), "birth_registration")
    one = officer("civil_status")
    other = make_user(UserRole.OFFICER, agency_role="civil_status", on=datetime.date(2026, 3, 2), username="other")
    api(one).post(f"/api/v1/steps/{first.pk}/claim/")

    response = api(other).post(f"/api/v1/steps/{first.pk}/complete/", {"result": BIRTH_RESULT}, format="json")

    assert response.status_code == 409
    first.refresh_from_db()
    assert (first.state, first.claimant) == (StepState.IN_PROGRESS, one)


def test_completing_twice_answers_409_and_opens_the_next_steps_once(api, integration, officer):
    bundle = filed(api, integration)
    first = step(bundle, "birth_registration")
    justice = api(officer("civil_status"))

    once = justice.post(f"/api/v1/steps/{first.pk}/complete/", {"result": BIRTH_RESULT}, format="json")
    twice = justice.post(f"/api/v1/steps/{first.pk}/complete/", {"result": BIRTH_RESULT}, format="json")

    assert (once.status_code, twice.status_code) == (200, 409)
    assert Event.objects.filter(bundle=bundle, action="unlocked").count() == 3
    assert Outbox.objects.filter(topic="step.ready").count() == 3


def test_a_stale_copy_cannot_overwrite_a_newer_state(api, integration, officer):
    first = step(filed(api, integration), "birth_registration")
    stale = Step.objects.get(pk=first.pk)
    api(officer("civil_status")).post(f"/api/v1/steps/{first.pk}/claim/")

    stale.claim(by=None)

    with pytest.raises(Exception) as raised:
        stale.save(update_fields=["state", "claimant"])
    assert type(raised.value).__name__ == "ConcurrentTransition"


@pytest.mark.parametrize(
    ("result", "errors"),
    [
        ({"register_number": "KS-1"}, {"result.personal_id_number": ["Trường này là bắt buộc."]}),
        (
            {"register_number": "KS-1", "personal_id_number": "040226001122"},
            {"result.personal_id_number": ["Chữ số thứ 4 (giới tính và thế kỷ) không khớp với nữ sinh năm 2026."]},
        ),
    ],
)
def test_a_result_that_breaks_the_rules_changes_nothing(api, integration, officer, result, errors):
    bundle = filed(api, integration)
    first = step(bundle, "birth_registration")

    response = api(officer("civil_status")).post(
        f"/api/v1/steps/{first.pk}/complete/", {"result": result}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    first.refresh_from_db()
    assert (first.state, first.result) == (StepState.READY, None)
    assert Event.objects.filter(bundle=bundle).count() == 2


def test_refusing_the_first_step_cancels_the_rest_and_refuses_the_bundle(api, integration, officer):
    bundle = filed(api, integration)

    response = api(officer("civil_status")).post(
        f"/api/v1/steps/{step(bundle, 'birth_registration').pk}/refuse/",
        {"reason": "Giấy chứng sinh giả"},
        format="json",
    )

    bundle.refresh_from_db()
    assert response.status_code == 200
    assert bundle.state == "refused"
    assert sorted(bundle.steps.values_list("procedure_id", "state")) == [
        ("birth_registration", "refused"),
        ("health_insurance_card", "cancelled"),
        ("permanent_residence", "cancelled"),
    ]


def test_refusing_one_later_step_leaves_the_others_and_ends_partly_completed(api, integration, officer):
    bundle = filed(api, integration)
    api(officer("civil_status")).post(
        f"/api/v1/steps/{step(bundle, 'birth_registration').pk}/complete/", {"result": BIRTH_RESULT}, format="json"
    )

    api(officer("residence")).post(
        f"/api/v1/steps/{step(bundle, 'permanent_residence').pk}/refuse/",
        {"reason": "Chỗ ở không hợp pháp"},
        format="json",
    )
    api(officer("social_insurance")).post(
        f"/api/v1/steps/{step(bundle, 'health_insurance_card').pk}/complete/",
        {"result": {"card_number": "TE1", "valid_to": "2032-02-19"}},
        format="json",
    )

    bundle.refresh_from_db()
    assert bundle.state == "partly_completed"
    assert sorted(bundle.steps.values_list("procedure_id", "state")) == [
        ("birth_registration", "done"),
        ("health_insurance_card", "done"),
        ("permanent_residence", "refused"),
    ]


def test_a_card_beyond_the_day_before_the_sixth_birthday_is_refused(api, integration, officer):
    bundle = filed(api, integration)
    api(officer("civil_status")).post(
        f"/api/v1/steps/{step(bundle, 'birth_registration').pk}/complete/", {"result": BIRTH_RESULT}, format="json"
    )

    response = api(officer("social_insurance")).post(
        f"/api/v1/steps/{step(bundle, 'health_insurance_card').pk}/complete/",
        {"result": {"card_number": "TE1", "valid_to": "2032-02-20"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "result.valid_to": ["Thẻ của trẻ dưới 6 tuổi có giá trị tối đa đến 19/02/2032, ngày trước sinh nhật 6 tuổi."]
    }


@pytest.mark.parametrize(
    ("category", "died", "minimum"),
    [
        ("social_insurance", "2026-02-25", 23_400_000),
        ("social_insurance", "2026-07-03", 25_300_000),
        ("merit", "2024-06-30", 18_000_000),
        ("social_protection", "2026-02-25", 10_000_000),
        ("emergency", "2026-02-25", 25_000_000),
    ],
)
def test_the_funeral_allowance_is_at_least_the_rate_of_the_month_of_death(category, died, minimum):
    from cases.kinds.death import funeral_amount

    assert funeral_amount(category, datetime.date.fromisoformat(died)) == minimum


def test_return_then_supplement_reopens_the_step_with_a_new_clock(api, integration, officer):
    bundle = filed(api, integration)
    first = step(bundle, "birth_registration")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        returned = api(officer("civil_status")).post(
            f"/api/v1/steps/{first.pk}/return/",
            {"reason": "Thiếu giấy chứng sinh bản chính", "missing_documents": ["Giấy chứng sinh"]},
            format="json",
        )
    first.refresh_from_db()
    assert (returned.status_code, first.state, first.supplement_deadline) == (
        200,
        "returned",
        datetime.date(2026, 3, 12),
    )

    with time_machine.travel(at(2026, 3, 5, 16), tick=False):
        supplemented = api(integration).post(
            f"/api/v1/bundles/{bundle.code}/supplement/", {"note": "Đã nộp"}, format="json"
        )

    first.refresh_from_db()
    assert supplemented.status_code == 200
    assert (first.state, first.clock_starts_on, first.due_date, first.supplement_deadline) == (
        "ready",
        datetime.date(2026, 3, 6),
        datetime.date(2026, 3, 6),
        None,
    )


def test_a_returned_step_is_refused_when_the_documents_do_not_arrive_in_time(api, integration, officer):
    bundle = filed(api, integration)
    first = step(bundle, "birth_registration")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        api(officer("civil_status")).post(
            f"/api/v1/steps/{first.pk}/return/",
            {"reason": "Thiếu giấy tờ", "missing_documents": ["Giấy chứng sinh"]},
            format="json",
        )

    assert services.supplements_expire(today=datetime.date(2026, 3, 12)) == 0
    assert services.supplements_expire(today=datetime.date(2026, 3, 13)) == 1

    bundle.refresh_from_db()
    first.refresh_from_db()
    assert (first.state, first.reason) == ("refused", "Hồ sơ bổ sung không được nộp đúng hạn.")
    assert bundle.state == "refused"


def test_lateness_is_recorded_once_with_an_apology_owed(api, integration):
    bundle = filed(api, integration)

    assert services.lateness_record(today=datetime.date(2026, 3, 5)) == 2
    assert services.lateness_record(today=datetime.date(2026, 3, 6)) == 0

    bundle.refresh_from_db()
    assert bundle.late_since == datetime.date(2026, 3, 5)
    assert step(bundle, "birth_registration").late_since == datetime.date(2026, 3, 5)
    assert Event.objects.filter(bundle=bundle, action="late").count() == 2


def test_withdrawing_cancels_what_is_not_finished(api, integration, officer):
    bundle = filed(api, integration)
    api(officer("civil_status")).post(
        f"/api/v1/steps/{step(bundle, 'birth_registration').pk}/complete/", {"result": BIRTH_RESULT}, format="json"
    )

    response = api(integration).post(
        f"/api/v1/bundles/{bundle.code}/withdraw/", {"reason": "Chuyển nơi ở"}, format="json"
    )

    bundle.refresh_from_db()
    assert (response.status_code, bundle.state) == (200, "withdrawn")
    assert sorted(bundle.steps.values_list("procedure_id", "state")) == [
        ("birth_registration", "done"),
        ("health_insurance_card", "cancelled"),
        ("permanent_residence", "cancelled"),
    ]


def test_the_death_bundle_runs_to_completion(api, integration, officer):
    bundle = filed(api, integration, death())
    on = datetime.date(2026, 3, 2)
    actions = [
        ("civil_status", "death_registration", {"register_number": "KT-9/2026"}),
        ("residence", "residence_deregistration", {"registration_number": "XTT-4/2026"}),
        ("social_insurance", "funeral_allowance", {"decision_number": "QĐ-77", "amount_vnd": 23_400_000}),
        ("social_insurance", "survivor_benefit", {"decision_number": "QĐ-78"}),
    ]
    for role, procedure, result in actions:
        response = api(officer(role, commune="17329", on=on)).post(
            f"/api/v1/steps/{step(bundle, procedure).pk}/complete/", {"result": result}, format="json"
        )
        assert response.status_code == 200, response.json()

    bundle.refresh_from_db()
    assert bundle.state == "completed"


def test_a_message_delivered_twice_is_handled_once(api, integration):
    filed(api, integration)
    message = Outbox.objects.filter(topic="step.ready").get()

    first = services.outbox_deliver(message_pk=message.pk)
    second = services.outbox_deliver(message_pk=message.pk)

    message.refresh_from_db()
    assert (first, second, message.attempts) == (True, False, 1)
    assert Event.objects.filter(action="handed_off").count() == 1
    assert message.notification.recipient == "Tư pháp - Hộ tịch, UBND phường Trường Vinh"


def test_a_queue_row_carries_what_its_procedure_needs(api, integration, officer):
    bundle = filed(api, integration)
    justice = officer("civil_status")
    api(justice).post(
        f"/api/v1/steps/{step(bundle, 'birth_registration').pk}/complete/", {"result": BIRTH_RESULT}, format="json"
    )
    police = officer("residence")
    police.last_name, police.first_name = "Lê", "Quang Huy"
    police.save()
    api(police).post(f"/api/v1/steps/{step(bundle, 'permanent_residence').pk}/claim/")

    rows = api(police).get("/api/v1/queue/").json()["results"]

    residence = step(bundle, "permanent_residence")
    assert rows == [
        {
            "id": residence.pk,
            "procedure": "permanent_residence",
            "agency_role": "residence",
            "office": {"id": residence.office_id, "name": "Công an phường Trường Vinh"},
            "state": "in_progress",
            "due_date": residence.due_date.isoformat(),
            "overdue": False,  # opened today, when the birth was registered
            "result": None,
            "result_facts": [],
            "bundle": bundle.code,
            "commune": "16690",
            "received_at": "2026-03-02T14:10:00+07:00",
            "claimant": police.username,
            "claimant_name": "Lê Quang Huy (Công an phường Trường Vinh)",
            "missing_documents": [],
            "supplement_deadline": None,
            "data": {key: bundle.data[key] for key in ("applicant", "child", "residence")},
            "earlier_results": {"birth_registration": BIRTH_RESULT},
        }
    ]


def test_the_sweeper_publishes_what_was_left_behind(api, integration):
    """Rows whose publication was lost (here: the test's transaction never commits, so on_commit
    never runs) are delivered by the beat sweeper once they are a minute old, not before."""
    from cases.tasks import outbox_sweep_task

    filed(api, integration)
    assert Outbox.objects.filter(delivered_at__isnull=True).count() == 2

    assert outbox_sweep_task() == 0
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=2)):
        assert outbox_sweep_task() == 2
    # Delivering the filing wrote the citizen's text message (issue 13): left behind the same way,
    # it is swept a minute later too.
    assert list(Outbox.objects.filter(delivered_at__isnull=True).values_list("topic", flat=True)) == ["notice.sms"]
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=4)):
        assert outbox_sweep_task() == 1

    assert Outbox.objects.filter(delivered_at__isnull=True).count() == 0


def test_the_sweeper_age_is_a_setting(api, integration, settings):
    """OUTBOX_SWEEP_AGE (seconds) says how old an undelivered row must be before the sweeper sends it
    again: the fault tests set a few seconds rather than wait a minute."""
    from cases.tasks import outbox_sweep_task

    settings.OUTBOX_SWEEP_AGE = 5
    filed(api, integration)

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=4)):
        assert outbox_sweep_task() == 0
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=6)):
        assert outbox_sweep_task() == 2


def funeral_ready(api, integration, officer) -> Step:
    """A social-protection funeral allowance (20 × 500,000 = 10,000,000 đồng for a death in
    February 2026), ready once the death is registered."""
    bundle = filed(api, integration, death(funeral_category="social_protection", survivor_benefit=None,
                                           procedures=["death_registration", "residence_deregistration",
                                                       "funeral_allowance"]))  # fmt: skip
    justice = officer("civil_status", commune="17329")
    api(justice).post(
        f"/api/v1/steps/{step(bundle, 'death_registration').pk}/complete/",
        {"result": {"register_number": "KT-9/2026"}},
        format="json",
    )
    return step(bundle, "funeral_allowance")


def test_a_funeral_amount_other_than_the_rate_tables_is_refused_without_a_reason(api, integration, officer):
    funeral = funeral_ready(api, integration, officer)
    chairman = officer("social_protection", commune="17329")

    response = api(chairman).post(
        f"/api/v1/steps/{funeral.pk}/complete/",
        {"result": {"decision_number": "QĐ-5", "amount_vnd": 15_000_000, "amount_reason": "  "}},
        format="json",
    )

    funeral.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "result.amount_reason": [
            "Bảng mức hưởng cho 10.000.000 đồng. Để chi cao hơn, nêu lý do (ít nhất 20 ký tự) và trích dẫn văn bản "
            "cho phép, có số và ngày (ví dụ: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025)."
        ]
    }
    assert (funeral.state, funeral.result) == ("ready", None)
    assert Event.objects.filter(step=funeral, action="completed").count() == 0


def test_a_different_funeral_amount_with_a_reason_keeps_both_figures_and_the_reason(api, integration, officer):
    funeral = funeral_ready(api, integration, officer)
    chairman = officer("social_protection", commune="17329")
    reason = "Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025 của tỉnh nâng mức hỗ trợ mai táng"

    response = api(chairman).post(
        f"/api/v1/steps/{funeral.pk}/complete/",
        {"result": {"decision_number": "QĐ-5", "amount_vnd": 15_000_000, "amount_reason": reason}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["result"] == {
        "decision_number": "QĐ-5",
        "amount_vnd": 15_000_000,
        "amount_rule_vnd": 10_000_000,
        "amount_reason": reason,
    }
    event = Event.objects.get(step=funeral, action="completed")
    assert (event.reason, event.data, event.actor) == (
        reason,
        {"amount_rule_vnd": 10_000_000, "amount_vnd": 15_000_000},
        chairman,
    )


def test_the_rate_tables_amount_needs_no_reason_and_less_is_refused(api, integration, officer):
    funeral = funeral_ready(api, integration, officer)
    chairman = officer("social_protection", commune="17329")
    url = f"/api/v1/steps/{funeral.pk}/complete/"

    less = api(chairman).post(url, {"result": {"decision_number": "QĐ-5", "amount_vnd": 9_999_999,
                                               "amount_reason": "Ngân sách thiếu"}}, format="json")  # fmt: skip
    same = api(chairman).post(url, {"result": {"decision_number": "QĐ-5", "amount_vnd": 10_000_000}}, format="json")

    assert less.status_code == 400
    assert less.json()["errors"] == {"result.amount_vnd": ["Ít nhất 10.000.000 đồng với diện này và tháng mất."]}
    assert same.status_code == 200
    assert same.json()["result"] == {"decision_number": "QĐ-5", "amount_vnd": 10_000_000}
    assert Event.objects.get(step=funeral, action="completed").data == {}
