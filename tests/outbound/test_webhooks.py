"""Webhooks for partners (issue 15 §2), received by a real HTTP server process: a partner
subscribes, gets the events it asked for about the dossiers it may see, signed so that it can
reject forged and replayed calls; a receiver that keeps failing is switched off with the reason
the partner reads; an address inside a private network is refused at subscription."""

import hashlib
import hmac

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases.models import Bundle
from outbound.models import Subscription
from tests.cases.conftest import birth
from tests.faults.harness import free_port
from tests.outbound.test_national import work
from tests.peers import Receiver

pytestmark = pytest.mark.django_db
SECRET = "partner-secret-0123456789"
PRIVATE = "{} là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới."


@pytest.fixture
def partner(tmp_path, settings):
    """The partner's receiver, as a process on loopback (allowed here as the province's network)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.OUTBOUND_RETRY_BASE = 0.0
    receiver = Receiver(free_port(), tmp_path / "partner.jsonl")
    yield receiver
    receiver.stop()


def subscribe(api, client, url: str, events=("*",)):
    return api(client).post("/api/v1/webhooks/", {"url": url, "events": list(events), "secret": SECRET}, format="json")


def test_a_partner_gets_the_events_it_asked_for_signed(api, integration, officer, partner):
    partner.start()
    made = subscribe(api, integration, partner.url, events=["dossier.received", "dossier.step_done"])
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    work()

    (event,) = partner.requests()
    headers, body = event["headers"], event["body"]
    expected = hmac.new(SECRET.encode(), f"{headers['X-Lienthong-Timestamp']}.{event['raw']}".encode(), hashlib.sha256)
    assert made.status_code == 201 and "secret" not in made.json()
    assert headers["X-Lienthong-Signature"] == f"sha256={expected.hexdigest()}"
    assert (body["type"], body["id"], body["dossier"]["code"]) == (
        "dossier.received",
        headers["X-Lienthong-Delivery"],
        code,
    )
    assert body["dossier"]["steps"][0] == {
        "procedure": "birth_registration",
        "state": "ready",
        "due_date": body["dossier"]["steps"][0]["due_date"],
    }
    personal = ["applicant", "040195001234", "040093005678", "Nguyễn Thị Lan", "Trần Minh An", "0912345678"]
    assert [value for value in personal if value in event["raw"]] == []  # no personal data


def test_a_partner_verifies_the_call_with_the_standard_webhooks_library(api, integration, officer, partner):
    """Issue 27 §4: what the receiver process got verifies with the official Standard Webhooks
    library (PyPI `standardwebhooks`, not ours) under "whsec_" + base64(secret); a changed body,
    a replay under another message id and a wrong secret do not."""
    import base64

    from standardwebhooks import Webhook, WebhookVerificationError

    partner.start()
    subscribe(api, integration, partner.url, events=["dossier.received"])
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    (event,) = partner.requests()
    headers, raw = event["headers"], event["raw"]
    webhook = Webhook("whsec_" + base64.b64encode(SECRET.encode()).decode())

    assert webhook.verify(raw, headers) == event["body"]
    assert headers["webhook-id"] == f"msg_{headers['X-Lienthong-Delivery']}"
    assert headers["webhook-timestamp"] == headers["X-Lienthong-Timestamp"]
    forged = [
        (raw.replace("dossier.received", "dossier.refused"), headers),
        (raw, {**headers, "webhook-id": "msg_999999"}),  # the id is signed: no replay under a new one
    ]
    for body, sent in forged:
        with pytest.raises(WebhookVerificationError, match="No matching signature found"):
            webhook.verify(body, sent)
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook("whsec_" + base64.b64encode(b"another-secret").decode()).verify(raw, headers)


def test_only_the_dossiers_the_client_may_see(api, integration, make_user, partner):
    partner.start()
    other = make_user(UserRole.INTEGRATION, username="other-partner")
    subscribe(api, other, partner.url)
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    assert partner.requests() == []


def test_a_receiver_that_keeps_failing_is_switched_off_and_the_partner_reads_why(api, integration, partner, settings):
    settings.WEBHOOK_MAX_FAILURES = 2
    partner.start("500")
    webhook = subscribe(api, integration, partner.url).json()
    api(integration).post("/api/v1/bundles/", birth(), format="json")

    work()
    work()
    work()  # switched off: nothing more is sent

    detail = api(integration).get(f"/api/v1/webhooks/{webhook['id']}/").json()
    log = api(integration).get(f"/api/v1/webhooks/{webhook['id']}/deliveries/").json()["results"]
    assert len(partner.requests()) == 2
    assert (detail["active"], detail["failures"]) == (False, 2)
    assert detail["disabled_reason"].startswith("2 lần gửi liên tiếp không thành công; lần cuối: HTTP 500")
    first = log[-1]
    assert (first["type"], first["state"], [a["status_code"] for a in first["attempt_log"]]) == (
        "dossier.received",
        "pending",
        [500, 500],
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.0.0.5/hook", "10.0.0.5 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới."),
        (
            "https://169.254.169.254/latest",
            "169.254.169.254 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới.",
        ),
        ("http://127.0.0.1:8000/hook", "127.0.0.1 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới."),
        ("http://93.184.216.34/hook", "Webhook chỉ được gửi tới địa chỉ https://."),
    ],
)
def test_an_address_the_settings_do_not_allow_is_refused_at_subscription(api, integration, url, message):
    answer = subscribe(api, integration, url)

    assert (answer.status_code, answer.json()["errors"]) == (400, {"url": [message]})
    assert Subscription.objects.count() == 0


def test_the_lists_are_the_clients_own_and_cost_the_same_for_one_or_many(api, integration, make_user, partner):
    other = make_user(UserRole.INTEGRATION, username="other-partner")
    mine = subscribe(api, integration, partner.url).json()
    theirs = subscribe(api, other, partner.url).json()

    def listed():
        with CaptureQueriesContext(connection) as queries:
            answer = api(integration).get("/api/v1/webhooks/").json()["results"]
        return [row["id"] for row in answer], len(queries)

    one, one_queries = listed()
    for _n in range(4):
        subscribe(api, integration, partner.url)
    many, many_queries = listed()

    assert one == [mine["id"]] and len(many) == 5 and theirs["id"] not in many
    assert one_queries == many_queries
    assert api(integration).get(f"/api/v1/webhooks/{theirs['id']}/").status_code == 404
    assert api(integration).delete(f"/api/v1/webhooks/{theirs['id']}/").status_code == 404
    assert api(integration).delete(f"/api/v1/webhooks/{mine['id']}/").status_code == 204
    assert api(make_user(UserRole.CLERK)).get("/api/v1/webhooks/").status_code == 403


def test_without_a_broker_the_same_code_delivers_in_process(
    api, integration, partner, django_capture_on_commit_callbacks
):
    partner.start()
    subscribe(api, integration, partner.url, events=["dossier.received"])

    with django_capture_on_commit_callbacks(execute=True):  # as `make run` does: tasks run in-process
        code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]

    assert [(r["body"]["type"], r["body"]["dossier"]["code"]) for r in partner.requests()] == [
        ("dossier.received", code)
    ]


def test_a_change_costs_the_same_for_one_webhook_or_many(api, integration):
    from cases import services
    from cases.models import Outbox

    def delivered_with(hooks: int) -> int:
        for n in range(hooks):
            Subscription.objects.create(
                client=integration, url=f"https://h{n}.example.gov.vn/", events=["*"], secret=SECRET
            )
        code = (
            api(integration)
            .post("/api/v1/bundles/", birth(child__birth_certificate_number=f"GCS-{hooks}"), format="json")
            .json()["code"]
        )
        message = Outbox.objects.get(topic="bundle.filed", payload__bundle=Bundle.objects.get(code=code).pk)
        with CaptureQueriesContext(connection) as queries:
            services.outbox_deliver(message_pk=message.pk)
        return len(queries)

    one = delivered_with(1)
    assert delivered_with(4) == one  # five webhooks of one client: one check, one read, one insert
