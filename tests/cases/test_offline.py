"""Offline capture at the one-stop desk (issue 31): the time of receipt a device's capture gives
(cases.offline.received_at), the clerk's key and the pages a device keeps, the door its outbox
files through, scans sent again under their Idempotency-Key, and sign-out clearing the device.

The new code's messages are not translated into Vietnamese yet: the tests that read them choose
English (the language cookie for pages, Accept-Language for the API, translation.override)."""

import base64
import datetime
import hashlib
import json
import re
import threading

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connections
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from PIL import Image

from agencies.choices import UserRole
from cases import offline, rules, services
from cases.api.serializers import BundleCreateSerializer
from cases.choices import Action
from cases.models import Attachment, Bundle, BundleVariant, Event, IdempotencyRecord
from portal.errors import DomainError, Invalid
from tests.cases import test_pages_clerk
from tests.cases.conftest import HANOI, at, birth
from tests.cases.test_pages_clerk import BIRTH_FORM
from tests.scans import JPEG, PDF

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 9, 10)  # a Monday: the device sends what it captured on the Friday before
CAPTURED = "2026-03-06T14:10:00+07:00"  # by the day's 15:00 cut-off
LOCAL_NUMBER = "TAM-261207-ABC-001"
BIRTH_ALL = {"birth_registration", "permanent_residence", "health_insurance_card"}
NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"  # django's never_cache

REFUSED = "The dossier has errors: each is shown next to its field. Nothing was filed."
NOT_A_CAPTURE = "The request is not a dossier captured offline."
FUTURE = "The time of capture is in the future: check the date and time of the device."
TOO_OLD = (
    "Captured offline more than {days} days ago: the portal cannot take it as received then. "
    "Enter it again at the desk as received today."
)
DESK_ONLY = "Only the one-stop desk sends dossiers captured offline."
OTHER_DOCUMENT = "This Idempotency-Key was already used with a different document."


# --- fixtures and helpers -------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(NOW, tick=False):
        yield


clerk = test_pages_clerk.clerk  # the desk's clerk of 16690, signed in


@pytest.fixture
def english(client):
    """The pages in English (the language switch's cookie), for the messages not translated yet."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def variant(db):
    """The birth bundle with every procedure (birth registration, residence, health insurance)."""
    return next(
        v for v in BundleVariant.objects.filter(kind="birth") if {p.code for p in v.procedures.all()} == BIRTH_ALL
    )


def capture(variant: BundleVariant, fields: dict | None = None, **changes) -> dict:
    """What a device sends for the desk's birth dossier it captured (BIRTH_FORM), `fields` changed."""
    form = {name: [value] for name, value in BIRTH_FORM.items()} | {"variant": [str(variant.pk)]}
    return {"fields": {**form, **(fields or {})}, "captured_at": CAPTURED, "local_number": LOCAL_NUMBER, **changes}


@pytest.fixture
def send(client, clerk, variant):
    """send(fields=..., captured_at=..., key=...): the device's outbox files its birth dossier;
    send(body="...") sends that body as it is."""

    def post(*, key: str = "offline-1", body: str | None = None, **changes):
        sent = body if body is not None else json.dumps(capture(variant, **changes))
        return client.post(
            "/clerk/offline/file/birth/", sent, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )

    return post


def nothing_written() -> tuple[int, int, int]:
    return Bundle.objects.count(), Event.objects.count(), IdempotencyRecord.objects.count()


def offline_settings(page: str) -> dict:
    found = re.search(r'<script id="offline-settings" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None, "the page gives the offline script no settings"
    return json.loads(found.group(1))


def number(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desk_bundle(api, clerk, media):
    """file(**changes): the code of a birth dossier the desk filed (over the API, as its device does)."""

    def file(**changes) -> str:
        response = api(clerk).post(
            "/api/v1/bundles/", birth(channel="direct", received_at=None, **changes), format="json"
        )
        assert response.status_code == 201, response.json()
        return response.json()["code"]

    return file


def attach_scan(client, code: str, *, key: str = "scan-1", kind: str = "Giấy chứng sinh", content: bytes = PDF):
    return client.post(
        f"/api/v1/bundles/{code}/attachments/",
        {"file": SimpleUploadedFile("scan.pdf", content), "kind": kind},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE="en",
    )


# --- the time of receipt (cases.offline.received_at) ----------------------------------------------
@pytest.mark.parametrize(
    ("captured", "received"),
    [
        (NOW - datetime.timedelta(days=7), NOW - datetime.timedelta(days=7)),  # the oldest taken
        (NOW - datetime.timedelta(hours=1), NOW - datetime.timedelta(hours=1)),
        (NOW + datetime.timedelta(minutes=5), NOW),  # a device's clock a little ahead: taken as now
    ],
)
def test_a_clerks_capture_within_the_window_is_the_time_of_receipt(make_user, captured, received):
    clerk = make_user(UserRole.CLERK)

    assert offline.received_at(clerk, {"captured_at": captured}, now=NOW) == received


def test_a_dossier_not_captured_offline_has_no_time_of_capture(make_user):
    clerk = make_user(UserRole.CLERK)

    assert offline.received_at(clerk, {"kind": "birth"}, now=NOW) is None
    assert offline.filed_data({"kind": "birth"}) is None


@pytest.mark.parametrize(
    ("captured", "message"),
    [
        (NOW + datetime.timedelta(minutes=5, seconds=1), FUTURE),
        (NOW - datetime.timedelta(days=7, seconds=1), TOO_OLD.format(days=7)),
    ],
)
def test_a_capture_after_the_drift_or_older_than_the_window_is_refused(make_user, captured, message):
    clerk = make_user(UserRole.CLERK)

    with translation.override("en"), pytest.raises(Invalid) as refused:
        offline.received_at(clerk, {"captured_at": captured}, now=NOW)

    assert refused.value.errors == {"captured_at": [message]}


def test_the_window_is_offline_capture_days(make_user, settings):
    settings.OFFLINE_CAPTURE_DAYS = 3
    clerk = make_user(UserRole.CLERK)
    oldest = NOW - datetime.timedelta(days=3)

    with translation.override("en"), pytest.raises(Invalid) as refused:
        offline.received_at(clerk, {"captured_at": oldest - datetime.timedelta(seconds=1)}, now=NOW)

    assert refused.value.errors == {"captured_at": [TOO_OLD.format(days=3)]}
    assert offline.received_at(clerk, {"captured_at": oldest}, now=NOW) == oldest


@pytest.mark.parametrize(
    ("role", "fields"),
    [(UserRole.INTEGRATION, {}), (UserRole.CITIZEN, {"personal_id": "040195001234"}), (UserRole.OFFICER, {})],
)
def test_only_a_clerk_may_give_a_time_of_capture(make_user, role, fields):
    user = make_user(role, **fields)

    with translation.override("en"), pytest.raises(Invalid) as refused:
        offline.received_at(user, {"captured_at": NOW - datetime.timedelta(hours=1)}, now=NOW)

    assert refused.value.errors == {"captured_at": [DESK_ONLY]}


def test_the_filing_records_the_capture_in_local_time_with_its_number():
    captured = datetime.datetime(2026, 3, 6, 7, 10, tzinfo=datetime.UTC)

    assert offline.filed_data({"captured_at": captured, "local_number": LOCAL_NUMBER}) == {
        "captured_at": "2026-03-06T14:10:00+07:00",
        "local_number": LOCAL_NUMBER,
    }


# --- the clerk's key and the pages a device keeps --------------------------------------------------
def test_the_key_is_a_p256_pair_that_opens_what_a_device_sealed_and_is_never_cached(client, clerk):
    response = client.get("/clerk/offline/key/")

    assert response.status_code == 200
    assert response["Cache-Control"] == NEVER_CACHED
    sent = response.json()
    assert set(sent) == {"kid", "public", "private", "user", "csrf"}
    assert sent["user"] == clerk.pk
    public, private = sent["public"], sent["private"]
    assert (public["kty"], public["crv"]) == ("EC", "P-256")
    assert private == {**public, "d": private["d"]}
    assert sent["kid"] == hashlib.sha256(f"{public['x']}.{public['y']}".encode()).hexdigest()[:16]
    opener = ec.derive_private_key(number(private["d"]), ec.SECP256R1())
    point = opener.public_key().public_numbers()
    assert (point.x, point.y) == (number(public["x"]), number(public["y"]))
    # A device seals under a key agreed with the public key; the private one agrees the same.
    device = ec.generate_private_key(ec.SECP256R1())
    sealing = ec.EllipticCurvePublicNumbers(number(public["x"]), number(public["y"]), ec.SECP256R1()).public_key()
    assert device.exchange(ec.ECDH(), sealing) == opener.exchange(ec.ECDH(), device.public_key())


def test_a_clerks_key_is_the_same_each_time_another_clerks_differs_and_a_new_secret_key_changes_it(
    client, clerk, make_user, settings
):
    first, again = (client.get("/clerk/offline/key/").json() for _ in range(2))
    other = Client()
    other.force_login(make_user(UserRole.CLERK, username="clerk-2"))
    others = other.get("/clerk/offline/key/").json()

    assert (again["kid"], again["public"], again["private"]) == (first["kid"], first["public"], first["private"])
    assert others["kid"] != first["kid"]
    assert others["private"]["d"] != first["private"]["d"]
    assert offline.clerk_keys(clerk)["kid"] == first["kid"]
    settings.SECRET_KEY = "another secret key"  # (which also ends the session: read the key directly)
    assert offline.clerk_keys(clerk)["kid"] != first["kid"]


@pytest.mark.parametrize(
    "url", ["/clerk/", "/clerk/new/birth/", "/clerk/offline/", "/clerk/offline/new/death/", "/guides/"]
)
def test_every_desk_page_gives_the_device_the_clerks_public_key_and_never_the_private_one(client, clerk, url):
    key = client.get("/clerk/offline/key/").json()

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    shown = offline_settings(page)
    assert (shown["user"], shown["key"]) == (clerk.pk, {"kid": key["kid"], "public": key["public"]})
    assert key["private"]["d"] not in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_an_officers_pages_have_no_offline_desk(client, make_user):
    client.force_login(make_user(UserRole.OFFICER))

    page = client.get("/queue/").content.decode()

    assert 'id="offline-settings"' not in page
    assert "/manifest.webmanifest" not in page
    assert "js/offline.js" not in page


def test_the_devices_settings_read_nothing_from_the_database(make_user, django_assert_num_queries):
    clerk = make_user(UserRole.CLERK)
    tag = Template("{% load cases_tags %}{% offline_settings user as c %}{{ c|json_script:'offline-settings' }}")

    with django_assert_num_queries(0):
        shown = offline.device_settings(clerk)
        rendered = tag.render(Context({"user": clerk}))

    assert shown["key"] == {"kid": offline.clerk_keys(clerk)["kid"], "public": offline.clerk_keys(clerk)["public"]}
    assert (shown["urls"]["file"], shown["capture_days"]) == ("/clerk/offline/file/KIND/", 7)
    assert offline_settings(rendered)["key"] == shown["key"]


def test_the_offline_pages_are_the_desks_for_a_clerk(client, clerk, variant):
    outbox = client.get("/clerk/offline/")
    form = client.get("/clerk/offline/new/birth/")

    assert (outbox.status_code, form.status_code) == (200, 200)
    assert re.findall(r'href="(/clerk/offline/new/\w+/)"', outbox.content.decode()) == [
        "/clerk/offline/new/death/",
        "/clerk/offline/new/birth/",
    ]
    page = form.content.decode()
    assert 'data-offline-capture data-kind="birth"' in page
    assert f'href="/guides/birth/{variant.pk}/"' in page


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/clerk/offline/"),
        ("get", "/clerk/offline/new/birth/"),
        ("get", "/clerk/offline/key/"),
        ("post", "/clerk/offline/file/birth/"),
    ],
)
def test_the_offline_desk_sends_the_signed_out_to_sign_in_and_refuses_other_roles(client, make_user, method, url):
    signed_out = getattr(client, method)(url)
    client.force_login(make_user(UserRole.OFFICER))
    officer = getattr(client, method)(url)

    assert (signed_out.status_code, signed_out["Location"]) == (302, f"/accounts/login/?next={url}")
    assert officer.status_code == 403
    assert Bundle.objects.count() == 0


def test_the_service_worker_keeps_the_offline_pages_the_guides_and_their_files_and_is_never_cached(client, clerk):
    response = client.get("/sw.js")

    assert (response.status_code, response["Content-Type"]) == (200, "text/javascript")
    assert response["Cache-Control"] == NEVER_CACHED
    script = response.content.decode()
    kept = {name: json.loads(re.search(rf"const {name} = (.*);", script).group(1)) for name in ("PAGES", "GUIDES")}
    assert kept["PAGES"] == ["/clerk/offline/", "/clerk/offline/new/death/", "/clerk/offline/new/birth/"]
    variants = BundleVariant.objects.order_by("kind", "pk")
    assert len(variants) == 6
    assert kept["GUIDES"] == ["/guides/", *(f"/guides/{v.kind}/{v.pk}/" for v in variants)]
    for url in kept["PAGES"] + kept["GUIDES"]:
        assert client.get(url).status_code == 200, url  # what the worker fetches, it can keep
    statics = json.loads(re.search(r"const STATIC = (.*);", script).group(1))
    assert "/static/js/offline.js" in statics
    assert [name for name in statics if not finders.find(name.removeprefix("/static/"))] == []


def test_the_manifest_installs_the_desk_on_its_dossiers_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")

    assert (response.status_code, response["Content-Type"]) == (200, "application/manifest+json")
    manifest = response.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/clerk/", "/", "standalone")
    assert manifest["icons"] == [
        {"src": "/static/icons/desk-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/desk-512.png", "sizes": "512x512", "type": "image/png"},
    ]
    for icon in manifest["icons"]:
        with Image.open(str(finders.find(icon["src"].removeprefix("/static/")))) as image:
            assert (image.format, f"{image.width}x{image.height}") == ("PNG", icon["sizes"])


def test_signing_out_tells_the_browser_to_clear_the_sites_cache_and_storage(client, clerk):
    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/clerk/offline/key/").status_code == 302  # signed out: no key any more


# --- filing what a device captured (POST /clerk/offline/file/<kind>/) ------------------------------
def test_a_captured_dossier_is_received_when_captured_audited_and_found_by_its_slips_number(client, send):
    response = send()

    bundle = Bundle.objects.get()
    assert (response.status_code, response.json()) == (201, {"code": bundle.code, "url": f"/bundles/{bundle.code}/"})
    assert bundle.received_at == datetime.datetime(2026, 3, 6, 14, 10, tzinfo=HANOI)
    assert (bundle.clock_starts_on, bundle.due_date) == (datetime.date(2026, 3, 6), datetime.date(2026, 3, 10))
    assert (bundle.data["local_number"], "captured_at" in bundle.data) == (LOCAL_NUMBER, False)
    assert list(Event.objects.filter(bundle=bundle, action=Action.FILED).values_list("data", flat=True)) == [
        {"captured_at": "2026-03-06T14:10:00+07:00", "local_number": LOCAL_NUMBER}
    ]
    assert bundle.search_text == f"{bundle.code.lower()} tam-261207-abc-001 nguyen thi lan tran minh an nguyen thi lan"
    link = f'href="/bundles/{bundle.code}/"'
    assert link in client.get("/clerk/", {"q": "tam-261207-abc-001"}).content.decode()
    assert link not in client.get("/clerk/", {"q": "TAM-261207-ABC-002"}).content.decode()


@pytest.mark.parametrize(
    ("captured_at", "clock", "due"),
    [
        ("2026-03-06T15:00:00+07:00", datetime.date(2026, 3, 6), datetime.date(2026, 3, 10)),  # by the cut-off
        ("2026-03-06T15:01:00+07:00", datetime.date(2026, 3, 9), datetime.date(2026, 3, 11)),  # after it
        ("2026-03-09T10:04:00+07:00", datetime.date(2026, 3, 9), datetime.date(2026, 3, 11)),  # ahead: now
    ],
)
def test_the_legal_clock_counts_from_the_time_of_capture(send, captured_at, clock, due):
    assert send(captured_at=captured_at).status_code == 201

    bundle = Bundle.objects.get()
    assert (bundle.clock_starts_on, bundle.due_date) == (clock, due)
    assert bundle.received_at == min(datetime.datetime.fromisoformat(captured_at), NOW)


def test_the_same_key_and_body_sent_again_gives_the_same_dossier_once(send):
    first = send()
    again = send()

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Bundle.objects.count() == 1
    assert Event.objects.filter(action=Action.FILED).count() == 1


def test_the_same_capture_sent_again_after_its_form_changed_meaning_is_still_that_dossier(send, variant):
    """The first answer lost, then (say) a variant's rows changed: the device's key and local number
    name the capture, so it is the dossier filed then, not a second one nor a conflict."""
    first = send().json()
    variant.procedures.remove("permanent_residence")

    again = send()

    assert (again.status_code, again.json()) == (200, first)
    assert Bundle.objects.count() == 1


def test_the_same_key_with_another_dossier_is_a_conflict(send, english):
    assert send().status_code == 201

    response = send(local_number="TAM-261207-ABC-002")

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "This Idempotency-Key was already used with a different request."},
    )
    assert Bundle.objects.count() == 1


def test_a_refused_dossier_gives_each_message_under_its_fields_id_writes_nothing_and_may_be_sent_corrected(send):
    response = send(fields={"child-full_name": [""], "mother-id_number": ["040195"]})

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Hồ sơ còn lỗi: mỗi lỗi hiện ngay cạnh ô nhập. Chưa có gì được nộp.",
            "errors": {
                "id_child-full_name": ["Trường này là bắt buộc."],
                "id_mother-id_number": ["Số định danh cá nhân gồm 12 chữ số."],
            },
            "summary": [  # for the top of the page: each naming its field
                ["id_child-full_name", "Trẻ em – Họ, chữ đệm và tên: Trường này là bắt buộc."],
                ["id_mother-id_number", "Mẹ – Số định danh cá nhân (12 chữ số): Số định danh cá nhân gồm 12 chữ số."],
            ],
        },
    )
    assert nothing_written() == (0, 0, 0)
    assert send().status_code == 201  # corrected, under the key it was captured with


def test_a_child_born_after_the_capture_is_refused_as_born_in_the_future(send):
    response = send(fields={"child-date_of_birth": ["2026-03-07"]})  # before the sending, after the capture

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"id_child-date_of_birth": ["Ngày sinh không được ở tương lai."]},
    )
    assert nothing_written() == (0, 0, 0)


@pytest.mark.parametrize(
    ("captured_at", "message"),
    [
        ("2026-03-02T09:59:59+07:00", TOO_OLD.format(days=7)),
        ("2026-03-09T10:05:01+07:00", FUTURE),
    ],
)
def test_a_capture_outside_the_window_is_refused_for_the_whole_dossier_and_writes_nothing(
    send, english, captured_at, message
):
    response = send(captured_at=captured_at)

    assert (response.status_code, response.json()) == (
        400,
        {"detail": REFUSED, "errors": {"dossier": [message]}, "summary": [["dossier", message]]},
    )
    assert nothing_written() == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"fields": {}, "local_number": LOCAL_NUMBER}),  # no time of capture
        json.dumps({"fields": ["variant"], "captured_at": CAPTURED, "local_number": LOCAL_NUMBER}),
        json.dumps({"fields": {"variant": 1}, "captured_at": CAPTURED, "local_number": LOCAL_NUMBER}),
    ],
)
def test_a_body_that_is_not_a_capture_is_refused_with_a_detail(send, english, body):
    response = send(body=body)

    assert (response.status_code, response.json()) == (400, {"detail": NOT_A_CAPTURE})
    assert nothing_written() == (0, 0, 0)


def test_the_file_door_checks_csrf_with_the_token_the_key_gives(clerk, variant):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    token = browser.get("/clerk/offline/key/").json()["csrf"]
    body = json.dumps(capture(variant))

    def post(**headers):
        return browser.post("/clerk/offline/file/birth/", body, content_type="application/json", **headers)

    assert post(HTTP_IDEMPOTENCY_KEY="offline-1").status_code == 403
    assert Bundle.objects.count() == 0
    assert post(HTTP_IDEMPOTENCY_KEY="offline-1", HTTP_X_CSRFTOKEN=token).status_code == 201


# --- scans sent again under their Idempotency-Key (POST /api/v1/bundles/<code>/attachments/) -------
def test_a_scan_sent_again_with_its_key_is_stored_once(api, clerk, desk_bundle):
    code = desk_bundle()

    first = attach_scan(api(clerk), code)
    again = attach_scan(api(clerk), code)

    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        again.json()
        == first.json()
        == {
            "id": Attachment.objects.get().pk,
            "kind": "Giấy chứng sinh",
            "content_type": "application/pdf",
            "size": len(PDF),
        }
    )
    assert Event.objects.filter(bundle__code=code, action=Action.ATTACHED).count() == 1


@pytest.mark.parametrize(
    "other", [{"kind": "Tờ khai đăng ký khai sinh"}, {"content": JPEG}], ids=["another kind", "another size"]
)
def test_a_scan_key_used_again_with_another_document_is_a_conflict(api, clerk, desk_bundle, other):
    code = desk_bundle()
    assert attach_scan(api(clerk), code).status_code == 201

    response = attach_scan(api(clerk), code, **other)

    assert (response.status_code, response.json()) == (409, {"detail": OTHER_DOCUMENT})
    assert list(Attachment.objects.values_list("kind", "size")) == [("Giấy chứng sinh", len(PDF))]


def test_a_scan_key_is_the_bundles_own(api, clerk, desk_bundle):
    first, second = desk_bundle(), desk_bundle(child__birth_certificate_number="CS-2026-000124")

    one, other = attach_scan(api(clerk), first), attach_scan(api(clerk), second)

    assert (one.status_code, other.status_code) == (201, 201)
    assert sorted(Attachment.objects.values_list("bundle__code", "idempotency_key")) == [
        (first, "scan-1"),
        (second, "scan-1"),
    ]


def test_a_scan_sent_again_after_the_dossier_was_withdrawn_is_still_the_one_stored(api, clerk, desk_bundle):
    code = desk_bundle()
    stored = attach_scan(api(clerk), code).json()
    services.bundle_withdraw(user=clerk, code=code, reason="Công dân rút hồ sơ.")

    again = attach_scan(api(clerk), code)
    new = attach_scan(api(clerk), code, key="scan-2")

    assert (again.status_code, again.json()) == (200, stored)
    assert (new.status_code, new.json()) == (
        409,
        {"detail": "Documents can only be attached to a dossier in progress."},
    )
    assert Attachment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_sends_of_one_scan_key_at_once_store_one_scan(transactional_db, make_user, media):
    call_command("load_reference_data", verbosity=0)  # the transactional test starts from empty tables
    rules.clear_cache()
    clerk = make_user(UserRole.CLERK)
    checked = BundleCreateSerializer(data=birth(channel="direct", received_at=None))
    assert checked.is_valid(), checked.errors
    bundle, _new = services.bundle_file(user=clerk, data=checked.validated_data)

    sends = 4

    def race(key: str) -> list[object]:
        """`sends` threads attach the same scan under `key` at once; what each got."""
        barrier, outcomes = threading.Barrier(sends), list[object]()

        def send() -> None:
            try:
                barrier.wait()
                attachment, created = services.attachment_add(
                    user=clerk,
                    code=str(bundle.code),
                    kind="Giấy chứng sinh",
                    file=SimpleUploadedFile("scan.pdf", PDF),
                    idempotency_key=key,
                )
                outcomes.append((attachment.pk, created))
            except (DatabaseError, DomainError) as error:  # an IntegrityError of the unique key, say
                outcomes.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send) for _ in range(sends)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    for key in ("scan-1", "scan-2", "scan-3"):  # a few rounds, for the race to have its chances
        outcomes = race(key)
        stored = Attachment.objects.get(idempotency_key=key)
        expected = [(stored.pk, True)] + [(stored.pk, False)] * (sends - 1)  # one stored, the others given it
        assert sorted(outcomes, key=str) == sorted(expected, key=str), key
    assert Attachment.objects.count() == 3
    assert Event.objects.filter(bundle=bundle, action=Action.ATTACHED).count() == 3


def test_an_integration_client_giving_its_time_of_receipt_may_not_give_a_time_of_capture_too(make_user):
    """The check of `captured_at` runs whoever files, also beside an integration's `received_at`."""
    integration = make_user(UserRole.INTEGRATION)
    payload = birth(captured_at="2026-03-06T14:10:00+07:00", local_number=LOCAL_NUMBER)
    data = BundleCreateSerializer(data=payload)
    assert data.is_valid(), data.errors

    with translation.override("en"), pytest.raises(Invalid) as refused:
        services.bundle_file(user=integration, data=data.validated_data)

    assert refused.value.errors == {"captured_at": [DESK_ONLY]}
    assert Bundle.objects.count() == 0


def test_a_capture_is_judged_in_one_round_on_the_day_it_was_captured(send):
    """A blank name and a child born after the capture (but before the sending): both told at once."""
    response = send(fields={"mother-full_name": [""], "child-date_of_birth": ["2026-03-07"]})

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {
            "id_mother-full_name": ["Trường này là bắt buộc."],
            "id_child-date_of_birth": ["Ngày sinh không được ở tương lai."],
        },
    )
    assert nothing_written() == (0, 0, 0)
