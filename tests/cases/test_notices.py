"""Notices to the citizen (issue 13 §4) received by real peers: an SMTP server process (aiosmtpd)
and a process standing for the SMS gateway. Each notice is an outbox row of its own, sent by its
delivery, never twice, retried when the peer fails."""

import email
import email.header
import re

import pytest

from cases import services
from cases.models import Bundle, Event, Notification, Outbox
from tests.cases.conftest import birth
from tests.faults.harness import free_port
from tests.peers import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_gateway(tmp_path, settings):
    """The SMS gateway stand-in as a process; sms_gateway("500,200") answers in that order."""
    receivers: list[Receiver] = []

    def start(answers: str = "200"):
        receiver = Receiver(free_port(), tmp_path / f"sms-{len(receivers)}.jsonl").start(answers)
        receivers.append(receiver)
        settings.SMS_BACKEND, settings.SMS_GATEWAY_URL = "http", f"http://127.0.0.1:{receiver.port}/send"
        settings.SMS_GATEWAY_TOKEN = "gateway-token"
        return receiver.requests

    yield start
    for receiver in receivers:
        receiver.stop()


def file_birth(integration, **changes):
    from cases.api.serializers import BundleCreateSerializer

    checked = BundleCreateSerializer(data=birth(**changes))
    assert checked.is_valid(), checked.errors
    bundle, _new = services.bundle_file(user=integration, data=checked.validated_data)
    return bundle


def deliver_all() -> None:
    """What the workers do: deliver every outbox row, and the rows those deliveries wrote."""
    while pks := list(Outbox.objects.filter(delivered_at__isnull=True).order_by("pk").values_list("pk", flat=True)):
        for pk in pks:
            services.outbox_deliver(message_pk=pk)


def test_filing_sends_the_citizen_an_email_in_vietnamese_and_a_text_without_personal_data(
    integration, smtp_server, sms_gateway
):
    texts = sms_gateway()
    bundle = file_birth(integration, applicant__email="lan.nguyen@example.vn")

    deliver_all()

    [mail] = smtp_server()
    subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
    assert subject == f"Hồ sơ {bundle.code}: thông báo"
    assert re.fullmatch(r"=\?utf-8\?.+\?=", mail["Subject"].split()[0])  # encoded, not raw UTF-8
    assert mail["To"] == "lan.nguyen@example.vn"
    assert mail["Message-ID"] == f"<notice-{Outbox.objects.get(topic='notice.email').pk}@localhost>"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert f"Đã tiếp nhận hồ sơ {bundle.code}, hẹn trả kết quả ngày {bundle.due_date:%d/%m/%Y}." in body
    assert "/track/notices/stop/" in body
    [sent] = texts()
    assert sent["headers"]["Authorization"] == "Bearer gateway-token"
    assert sent["body"] == {
        "id": f"notice-{Outbox.objects.get(topic='notice.sms').pk}",
        "to": "0912345678",
        "sender": "LIENTHONG",
        "text": f"Đã tiếp nhận hồ sơ {bundle.code}, hẹn trả kết quả ngày {bundle.due_date:%d/%m/%Y}.",
    }
    assert list(Event.objects.filter(bundle=bundle, action="notified").values_list("data", flat=True)) == [
        {"channel": "email", "topic": "bundle.filed"},
        {"channel": "sms", "topic": "bundle.filed"},
    ]


def test_a_redelivered_notice_sends_nothing_twice(integration, smtp_server, sms_gateway):
    texts = sms_gateway()
    file_birth(integration, applicant__email="lan.nguyen@example.vn")
    deliver_all()

    again = [services.outbox_deliver(message_pk=pk) for pk in Outbox.objects.values_list("pk", flat=True)]

    assert not any(again)
    assert (len(smtp_server()), len(texts())) == (1, 1)
    assert Notification.objects.filter(outbox__topic__startswith="notice.").count() == 2


def test_a_gateway_that_answers_500_gets_exactly_one_more_attempt_when_retried(integration, sms_gateway):
    from portal.sms import SmsError

    texts = sms_gateway("500,200")
    file_birth(integration)
    for pk in Outbox.objects.exclude(topic="notice.sms").values_list("pk", flat=True):
        services.outbox_deliver(message_pk=pk)
    notice = Outbox.objects.get(topic="notice.sms")

    with pytest.raises(SmsError):
        services.outbox_deliver(message_pk=notice.pk)
    notice.refresh_from_db()
    assert notice.delivered_at is None  # left for the task's retry, nothing recorded as sent
    assert services.outbox_deliver(message_pk=notice.pk) is True

    assert [sent["body"]["id"] for sent in texts()] == [f"notice-{notice.pk}", f"notice-{notice.pk}"]
    assert Event.objects.filter(action="notified").count() == 1


def test_the_citizen_stops_the_notices_of_a_dossier_from_the_link(client, integration, smtp_server, sms_gateway):
    texts = sms_gateway()
    bundle = file_birth(integration, applicant__email="lan.nguyen@example.vn")
    deliver_all()
    link = re.search(r"(/track/notices/stop/\S+/)", smtp_server()[0].get_payload(decode=True).decode())

    asked = client.get(link.group(1))
    stopped = client.post(link.group(1))
    forged = client.post(link.group(1).replace("/stop/", "/stop/x"))
    services.bundle_withdraw(user=integration, code=bundle.code, reason="Gia đình xin rút")
    deliver_all()

    assert asked.status_code == 200 and "Ngừng thông báo" in asked.content.decode()
    assert stopped.status_code == 200 and bundle.code in stopped.content.decode()
    assert forged.status_code == 404
    assert (len(smtp_server()), len(texts())) == (1, 1)  # nothing after the stop
    assert Bundle.objects.get(pk=bundle.pk).notices_stopped_at is not None
    assert Event.objects.filter(bundle=bundle, action="notices_stopped").count() == 1


def test_a_refused_step_says_why_by_email_only_and_the_results_ready_notice_follows(
    integration, officer, smtp_server, sms_gateway
):
    texts = sms_gateway()
    bundle = file_birth(integration, applicant__email="lan.nguyen@example.vn")
    justice = officer("civil_status")
    step = bundle.steps.get(procedure_id="birth_registration")
    services.step_claim(user=justice, step_pk=step.pk)
    services.step_complete(
        user=justice, step_pk=step.pk, result={"register_number": "KS-123/2026", "personal_id_number": "040326001122"}
    )
    police = officer("residence")
    residence = bundle.steps.get(procedure_id="permanent_residence")
    services.step_claim(user=police, step_pk=residence.pk)
    services.step_refuse(user=police, step_pk=residence.pk, reason="Chỗ ở không hợp pháp")
    deliver_all()
    done_before = len(smtp_server())

    insurance = officer("social_insurance")
    card = bundle.steps.get(procedure_id="health_insurance_card")
    services.step_claim(user=insurance, step_pk=card.pk)
    services.step_complete(
        user=insurance, step_pk=card.pk, result={"card_number": "TE1404012345678", "valid_to": "2032-02-19"}
    )
    deliver_all()

    mails = sorted(smtp_server(), key=lambda m: int(re.search(r"\d+", m["Message-ID"]).group()))  # sent order
    bodies = [m.get_payload(decode=True).decode("utf-8").split("\n\n")[0] for m in mails]
    sent = [t["body"]["text"] for t in texts()]
    assert bodies[done_before - 1] == (
        f"Hồ sơ {bundle.code}: thủ tục Đăng ký thường trú bị từ chối. Lý do: Chỗ ở không hợp pháp"
    )
    assert sent[done_before - 1] == f"Hồ sơ {bundle.code}: thủ tục Đăng ký thường trú bị từ chối."
    assert bodies[-1] == (f"Hồ sơ {bundle.code}: đã có kết quả (hoàn thành một phần). Lý do: Chỗ ở không hợp pháp")
    assert sent[-1] == f"Hồ sơ {bundle.code}: đã có kết quả (hoàn thành một phần)."
    assert Outbox.objects.filter(topic="step.refused").count() == 1
