"""Webhooks for partners (issue 15 §2), received by a real HTTP server process: a partner
subscribes, gets the events it asked for about the dossiers it may see, signed so that it can
reject forged and replayed calls; a receiver that keeps failing is switched off with the reason
the partner reads; an address inside a private network is refused at subscription."""

import base64
import hashlib
import hmac
import json

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
NEW_SECRET, THIRD_SECRET = "partner-secret-rotated-2026", "partner-secret-third-0000"
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
        # Issue 28 §5: loopback through the NAT64 prefix, and multicast, are no receivers either.
        (
            "https://[64:ff9b::7f00:1]/hook",
            "64:ff9b::7f00:1 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới.",
        ),
        ("https://224.0.0.1/hook", "224.0.0.1 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới."),
        ("https://[2002:a00:1::]/hook", "2002:a00:1:: là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới."),
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


@pytest.fixture
def node_partner(tmp_path, settings):
    """A partner whose endpoint checks every call with npm `standardwebhooks` (tests/peers/
    standard_webhooks_receiver.js, a Node process): 204 when the library verifies it, else 401.
    `key` is the secret the partner checks with; writing it switches the partner's secret."""
    import shutil
    from pathlib import Path

    from tests.peers import PEERS, start_process

    library = PEERS.parent.parent / "node_modules" / "standardwebhooks"
    if shutil.which("node") is None or not library.exists():
        pytest.skip("npm standardwebhooks is not installed: npm ci (make test runs it; apt-get install nodejs npm)")
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.OUTBOUND_RETRY_BASE = 0.0
    port, log, key = free_port(), tmp_path / "node-partner.jsonl", tmp_path / "key"
    key.write_text(whsec(SECRET))
    process = start_process(["node", str(PEERS / "standard_webhooks_receiver.js"), str(port), str(log), str(key)], port)

    class Partner:
        url = f"http://127.0.0.1:{port}/hooks"

        @staticmethod
        def uses(secret: str) -> None:
            key.write_text(whsec(secret))

        @staticmethod
        def calls() -> list[dict]:
            lines = Path(log).read_text().splitlines() if Path(log).exists() else []
            return [json.loads(line) for line in lines]

    yield Partner
    process.kill()
    process.wait()


def whsec(secret: str) -> str:
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def test_a_partner_rotates_its_secret_without_losing_a_call(api, integration, officer, node_partner):
    """Issue 27 §4: during the overlap every call carries both signatures, so the Node library
    verifies it under the old secret and under the new one; after an overlap of 0 hours the old
    secret verifies nothing, and what it refused is retried under the partner's new secret."""
    hook = subscribe(api, integration, node_partner.url, events=["dossier.received"]).json()
    rotated = api(integration).post(
        f"/api/v1/webhooks/{hook['id']}/secret/", {"secret": NEW_SECRET, "overlap_hours": 24}, format="json"
    )
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()  # the partner still checks with the old secret
    node_partner.uses(NEW_SECRET)
    api(integration).post("/api/v1/bundles/", birth(child__birth_certificate_number="GCS-2"), format="json")
    work()  # the partner switched: the same calls verify under the new one

    assert rotated.status_code == 200 and rotated.json()["previous_secret_until"] is not None
    assert [call["verified"] for call in node_partner.calls()] == [True, True]

    third = api(integration).post(
        f"/api/v1/webhooks/{hook['id']}/secret/", {"secret": THIRD_SECRET, "overlap_hours": 0}, format="json"
    )
    api(integration).post("/api/v1/bundles/", birth(child__birth_certificate_number="GCS-3"), format="json")
    work()  # the partner still has the second secret, which stopped signing at once: refused
    node_partner.uses(THIRD_SECRET)
    work()  # the retry verifies

    assert third.json()["previous_secret_until"] is None
    refused, retried = node_partner.calls()[2:]
    assert (refused["verified"], refused["reason"], retried["verified"]) == (False, "No matching signature found", True)
    assert refused["id"] == retried["id"]  # the same message: the partner drops nothing, doubles nothing


def test_each_event_has_a_stable_versioned_id_across_webhooks_and_retries(api, integration, officer, partner):
    """Two webhooks of one partner get the same change as two messages (their own ids, the same
    on every retry) carrying one event id, `evt_<n>`, and the body's version."""
    from cases.models import Outbox

    partner.start("500,200")
    subscribe(api, integration, partner.url, events=["dossier.received"])
    subscribe(api, integration, partner.url + "/second", events=["dossier.received"])
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    work()
    work()

    message = Outbox.objects.get(topic="bundle.filed", payload__bundle=Bundle.objects.get(code=code).pk)
    bodies = [request["body"] for request in partner.requests()]
    assert len(bodies) == 3  # one webhook's first call was answered 500 and sent again
    assert {body["event_id"] for body in bodies} == {f"evt_{message.pk}"}
    assert {body["version"] for body in bodies} == {1}
    assert len({body["id"] for body in bodies}) == 2


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"secret": SECRET}, {"secret": ["Khóa bí mật mới phải khác khóa đang dùng."]}),
        ({"secret": "short"}, {"secret": ["Trường này phải có ít nhất 16 ký tự."]}),
        (
            {"secret": NEW_SECRET, "overlap_hours": 200},
            {"overlap_hours": ["Giá trị này phải nhỏ hơn hoặc bằng 168."]},
        ),
    ],
)
def test_a_bad_rotation_names_the_field_and_changes_nothing(api, integration, make_user, given, errors):
    hook = {"id": Subscription.objects.create(client=integration, url="https://h.example.gov.vn/", secret=SECRET).pk}
    other = make_user(UserRole.INTEGRATION, username="other-partner")

    answer = api(integration).post(f"/api/v1/webhooks/{hook['id']}/secret/", given, format="json")
    theirs = api(other).post(f"/api/v1/webhooks/{hook['id']}/secret/", {"secret": NEW_SECRET}, format="json")

    assert (answer.status_code, answer.json()["errors"]) == (400, errors)
    assert theirs.status_code == 404
    assert Subscription.objects.values_list("secret", "previous_secret").get() == (SECRET, "")


def test_the_address_is_checked_again_at_delivery(api, integration):
    """Issue 28 §5: a webhook whose name now resolves to a reserved address (here written as one,
    as a name might resolve after its subscription) gets nothing: each attempt is refused before
    any connection, with the reason in its log."""
    hook = Subscription.objects.create(client=integration, url="https://224.0.0.1/hook", events=["*"], secret=SECRET)
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    log = api(integration).get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()["results"]
    assert [(a["status_code"], a["error"]) for row in log for a in row["attempt_log"]] == [
        (None, "224.0.0.1 là địa chỉ nội bộ hoặc dành riêng, webhook không được gửi tới.")
    ]


def test_a_partner_reads_the_status_of_a_failed_call_never_the_answers_body(api, integration, partner):
    """Issue 28 §4: the receiver's error page (here '{"error": "busy"}' from an internal host)
    reaches neither the partner's log nor its webhook's reason; from an internal host it is not
    even kept for the staff."""
    from outbound.models import Attempt

    partner.start("500")
    hook = subscribe(api, integration, partner.url, events=["dossier.received"]).json()
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    answer = api(integration).get(f"/api/v1/webhooks/{hook['id']}/deliveries/")
    (row,) = answer.json()["results"]
    assert (row["last_error"], [(a["status_code"], a["error"]) for a in row["attempt_log"]]) == (
        "HTTP 500",
        [(500, "HTTP 500")],
    )
    assert "busy" not in answer.content.decode()
    assert list(Attempt.objects.values_list("error", "answer")) == [("HTTP 500", "")]
