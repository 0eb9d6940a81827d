"""Issue 26 §6: the dossier's appointment (ngày hẹn trả kết quả, `Bundle.due_date`) follows the
clocks of its steps. A step waiting for documents stops its clock, so the appointment moves to
the day the steps would end if the documents came on the last day of the wait; when they come,
the appointment is counted from the new clock. Every page, PDF and API answer shows it, and the
citizen is told the new date.

The dates, on the 2026 calendar (no holiday in December): a birth dossier filed at the desk at
09:00 on Monday 7 December is due Wednesday 9 December (3 working days). Returned the same day,
its first step waits until Wednesday 16 December (7 working days from Tuesday 8); that step then
needs its 1 working day (16/12) and the two steps after it 2 working days from the next working
day (17/12 and 18/12): the appointment is Friday 18 December."""

import datetime

import pytest
import time_machine

from agencies.choices import UserRole
from cases import documents, services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle, Event, Notification, Outbox
from tests.cases.conftest import at, birth
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, commune="16690")


@pytest.fixture
def bundle(clerk) -> Bundle:
    serializer = BundleCreateSerializer(data=birth(received_at=None, channel="direct"))
    assert serializer.is_valid(), serializer.errors
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        filed, _new = services.bundle_file(user=clerk, data=serializer.validated_data)
    return filed


def return_first(bundle: Bundle, officer, *, hour: int = 10) -> None:
    with time_machine.travel(at(2026, 12, 7, hour), tick=False):
        services.step_return(
            user=officer("civil_status"),
            step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
            reason="Giấy chứng sinh bị mờ.",
            missing_documents=["Giấy chứng sinh"],
        )


def rescheduled(bundle: Bundle) -> list[dict]:
    return list(Event.objects.filter(bundle=bundle, action="rescheduled").values_list("data", flat=True))


def test_a_step_waiting_for_documents_moves_the_appointment_to_when_the_steps_would_end(bundle, officer):
    assert bundle.due_date == D("2026-12-09")

    return_first(bundle, officer)

    bundle.refresh_from_db()
    first = bundle.steps.get(procedure_id="birth_registration")
    assert first.supplement_deadline == D("2026-12-16")
    assert bundle.due_date == D("2026-12-18")
    assert rescheduled(bundle) == [{"from": "2026-12-09", "to": "2026-12-18"}]
    assert list(Outbox.objects.filter(topic="bundle.rescheduled").values_list("payload", flat=True)) == [
        {"bundle": bundle.pk}
    ]


def test_the_receipt_the_api_and_the_tracking_answer_show_the_moved_appointment(bundle, officer, clerk, api):
    return_first(bundle, officer)
    bundle.refresh_from_db()

    receipt = pdf_text(documents.receipt_pdf(bundle))
    detail = api(clerk).get(f"/api/v1/bundles/{bundle.code}/").json()
    listed = api(clerk).get("/api/v1/bundles/").json()["results"]
    tracked = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).json()

    assert "3. Ngày hẹn trả kết quả: 18/12/2026" in receipt
    assert (detail["due_date"], [row["due_date"] for row in listed], tracked["due_date"]) == (
        "2026-12-18",
        ["2026-12-18"],
        "2026-12-18",
    )


def test_documents_supplied_count_the_appointment_from_the_new_clock(bundle, officer, clerk):
    return_first(bundle, officer)

    with time_machine.travel(at(2026, 12, 10, 9), tick=False):
        services.bundle_supplement(user=clerk, code=str(bundle.code), note="Đã nộp bản rõ.")

    bundle.refresh_from_db()
    # The first step is due Thursday 10 (its new clock); the next two 2 working days from Friday 11.
    assert bundle.due_date == D("2026-12-14")
    assert rescheduled(bundle) == [
        {"from": "2026-12-09", "to": "2026-12-18"},
        {"from": "2026-12-18", "to": "2026-12-14"},
    ]


def test_a_dossier_that_runs_on_time_keeps_the_appointment_it_was_given(bundle, officer):
    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        services.step_complete(
            user=officer("civil_status"),
            step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
            result={"register_number": "KS-01/2026", "personal_id_number": "040326000001"},
        )

    bundle.refresh_from_db()
    assert [step.due_date for step in bundle.steps.order_by("pk")] == [
        D("2026-12-07"),
        D("2026-12-08"),
        D("2026-12-08"),
    ]
    assert bundle.due_date == D("2026-12-09")
    assert rescheduled(bundle) == []
    assert not Outbox.objects.filter(topic="bundle.rescheduled").exists()


def test_a_step_finished_late_by_its_office_leaves_the_dossier_overdue(bundle, officer):
    with time_machine.travel(at(2026, 12, 10, 9), tick=False):
        services.step_complete(
            user=officer("civil_status"),
            step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
            result={"register_number": "KS-01/2026", "personal_id_number": "040326000001"},
        )
        bundle.refresh_from_db()

        assert [step.due_date for step in bundle.steps.order_by("pk")][1:] == [D("2026-12-11"), D("2026-12-11")]
        assert (bundle.due_date, bundle.overdue) == (D("2026-12-09"), True)
    assert rescheduled(bundle) == []


def test_the_citizen_is_told_the_new_appointment(bundle, officer):
    return_first(bundle, officer)
    while pks := list(Outbox.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True)):
        for pk in pks:
            services.outbox_deliver(message_pk=pk)

    told = Notification.objects.filter(bundle=bundle, outbox__topic="bundle.rescheduled").get()
    sms = Outbox.objects.filter(topic="notice.sms", payload__topic="bundle.rescheduled").get()
    message = f"Hồ sơ {bundle.code}: ngày hẹn trả kết quả mới là 18/12/2026."
    assert (told.recipient, told.message) == ("0912345678", message)
    assert (sms.payload["to"], sms.payload["text"]) == ("0912345678", message)
