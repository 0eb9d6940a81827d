"""Status back to the national portal (issue 15 §1), received by a real HTTP server process standing
for its synchronisation call: every change of a dossier that came from it arrives, in order, with
a delivery id; a receiver that fails gets exactly the retries it needs; one that is down for a
while gets everything once it is back; after a day a delivery waits for an administrator, and the
later ones wait behind it."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import Bundle, Outbox
from outbound.models import Delivery
from outbound.services import deliveries_due, deliveries_send, delivery_replay
from tests.cases.conftest import birth
from tests.peers import Receiver

pytestmark = pytest.mark.django_db
RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


def filed(api, integration, **changes) -> Bundle:
    body = birth(**{"national_code": "G22.99-260304-0001", "national_procedure_code": "1.001193", **changes})
    answer = api(integration).post("/api/v1/bundles/", body, format="json")
    assert answer.status_code == 201, answer.json()
    return Bundle.objects.get(code=answer.json()["code"])


def work() -> None:
    """What the workers and beat do: deliver the outbox, then send what is due, queue by queue."""
    while pks := list(Outbox.objects.filter(delivered_at__isnull=True).order_by("pk").values_list("pk", flat=True)):
        for pk in pks:
            services.outbox_deliver(message_pk=pk)
    for target, bundle_pk, subscription_pk in deliveries_due():
        deliveries_send(target=target, bundle_pk=bundle_pk, subscription_pk=subscription_pk)


def states(receiver: Receiver) -> list[str]:
    return [request["body"]["TrangThaiHoSo"] for request in receiver.requests()]


def test_each_change_goes_back_in_order_with_a_delivery_id(api, integration, officer, national):
    national.start()
    bundle = filed(api, integration)
    work()
    justice = officer("civil_status")
    services.step_complete(user=justice, step_pk=bundle.steps.get(procedure_id="birth_registration").pk, result=RESULT)
    work()

    received = national.requests()
    assert states(national) == ["DA_TIEP_NHAN", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY"]
    assert [Delivery.objects.get(pk=r["headers"]["X-Lienthong-Delivery"]).event for r in received] == [
        "received",
        "in_progress",
        "step_done",
        "in_progress",
        "in_progress",
    ]
    first = received[0]
    assert first["headers"]["Authorization"] == "Bearer national-token"
    assert first["body"] == {
        "MaHoSo": "G22.99-260304-0001",
        "MaTTHC": "1.001193",
        "TrangThaiHoSo": "DA_TIEP_NHAN",
        "MoTaTrangThai": "Đã tiếp nhận",
        "NgayHenTra": bundle.due_date.strftime("%Y%m%d") + "170000",
        "NgayKetQua": "",
        "DonViXuLy": "UBND phường Trường Vinh",
        "MaHoSoLienThong": bundle.code,
        "ThoiGianCapNhat": first["body"]["ThoiGianCapNhat"],
    }
    assert len({r["headers"]["X-Lienthong-Delivery"] for r in received}) == 5
    assert Delivery.objects.filter(state="delivered").count() == 5


def test_a_receiver_that_answers_500_then_200_gets_exactly_one_more_attempt(api, integration, national):
    national.start("500,200")
    bundle = filed(api, integration)

    work()  # the first change fails; the second waits behind it
    work()  # not due yet: nothing is sent
    assert len(national.requests()) == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        work()

    ids = [r["headers"]["X-Lienthong-Delivery"] for r in national.requests()]
    assert ids[0] == ids[1] and len(ids) == 3  # the same delivery twice, then the next one
    assert states(national) == ["DA_TIEP_NHAN", "DA_TIEP_NHAN", "DANG_XU_LY"]
    first = Delivery.objects.get(pk=ids[0])
    assert [(a.status_code, a.error[:8]) for a in first.attempt_log.all()] == [(500, "HTTP 500"), (200, "")]
    assert bundle.pk == first.bundle_id


def test_a_receiver_down_for_a_while_gets_everything_once_it_is_back(api, integration, officer, national, settings):
    settings.OUTBOUND_RETRY_BASE = 0.0
    bundle = filed(api, integration)  # the receiver is not running
    work()
    services.step_complete(
        user=officer("civil_status"), step_pk=bundle.steps.get(procedure_id="birth_registration").pk, result=RESULT
    )
    work()
    assert Delivery.objects.filter(state="pending").count() == 5
    assert Delivery.objects.order_by("created_at").first().last_error.startswith("ConnectionError")

    national.start()
    work()

    assert states(national) == ["DA_TIEP_NHAN", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY"]
    assert len({r["headers"]["X-Lienthong-Delivery"] for r in national.requests()}) == 5


def test_after_a_day_a_delivery_waits_for_an_administrator_and_its_replay_sends_the_rest(
    api, integration, national, settings, django_capture_on_commit_callbacks
):
    national.start("500")
    settings.OUTBOUND_GIVE_UP = 0.0
    filed(api, integration)
    work()
    dead = Delivery.objects.get(state="dead")
    assert (dead.event, Delivery.objects.filter(state="pending").count()) == ("received", 1)
    national.stop()
    national.start("200")

    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=dead)

    assert states(national)[-2:] == ["DA_TIEP_NHAN", "DANG_XU_LY"]
    assert Delivery.objects.filter(state="delivered").count() == 2


def test_a_dossier_not_from_the_national_portal_sends_nothing(api, integration, national):
    national.start()
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    assert (national.requests(), Delivery.objects.count()) == ([], 0)


def test_the_national_code_is_the_connections_and_files_one_dossier(api, integration, make_user, national):
    from agencies.choices import UserRole

    first = filed(api, integration)
    again = api(integration).post(
        "/api/v1/bundles/",
        birth(national_code="G22.99-260304-0001", child__birth_certificate_number="GCS-OTHER"),
        format="json",
    )
    clerk = api(make_user(UserRole.CLERK, commune="16690")).post(
        "/api/v1/bundles/", birth(channel="direct", received_at=None, national_code="G22.99-1"), format="json"
    )

    assert again.status_code == 400
    assert again.json()["errors"] == {
        "national_code": [f"Hồ sơ G22.99-260304-0001 của Cổng Dịch vụ công quốc gia đã là hồ sơ {first.code}."]
    }
    assert (clerk.status_code, list(clerk.json()["errors"])) == (400, ["national_code"])
