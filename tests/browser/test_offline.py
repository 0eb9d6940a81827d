"""The desk without a network (issue 31), in a real Chromium whose network the test switches off and
on: Chromium's own offline mode, and between the browser and the portal a commune's link
(tests/peers/unreliable.py) that the test takes down, brings back, and makes drop a connection
mid-upload or lose the portal's answer. What must hold: each dossier and each scan reaches the
portal exactly once, byte for byte; a dossier shows "sent" only once the portal holds it; what the
device keeps is encrypted and goes once sent; a refused dossier comes back with its messages at
its fields; signing out leaves nothing on the device."""

import datetime
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.utils import timezone

from cases.models import Attachment, Bundle, BundleVariant, Event, IdempotencyRecord
from tests.browser.conftest import screenshot
from tests.faults.harness import free_port
from tests.scans import JPEG, PDF, PNG

pytestmark = pytest.mark.django_db(transaction=True)

PEER = Path(__file__).resolve().parents[1] / "peers" / "unreliable.py"
BORN = timezone.localdate() - datetime.timedelta(days=10)


@pytest.fixture
def service_workers() -> str:
    return "allow"  # these tests are about the desk's worker (tests/chromium.py blocks it elsewhere)


class Link:
    """The commune's link (tests/peers/unreliable.py), run as its own process in front of the portal."""

    def __init__(self, upstream: str) -> None:
        self.port, self.control = free_port(), free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(PEER), str(self.port), str(self.control), upstream], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"
        self.url = f"http://127.0.0.1:{self.port}"

    def steer(self, path: str, method: str = "POST") -> object:
        request = urllib.request.Request(f"http://127.0.0.1:{self.control}{path}", method=method)
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())

    def log(self) -> list[list[str]]:
        return self.steer("/log", "GET")  # type: ignore[return-value]

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture
def link(live_server):
    peer = Link(live_server.url.removeprefix("http://"))
    yield peer
    peer.close()


@pytest.fixture
def desk(page, portal, link, tmp_path, settings):
    """The desk's clerk signed in through the link, the worker installed (it kept the offline
    pages), and the scans on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]  # the portal as the link's far end
    portal("clerk.16690")  # the demo accounts
    page.goto(link.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("clerk.16690")
    page.get_by_label("Mật khẩu").fill("demo-pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    page.evaluate("navigator.serviceWorker.ready")
    kept = "caches.keys().then(n => n.length ? caches.open(n[0]).then(c => c.keys()).then(k => k.length) : 0)"
    deadline = time.monotonic() + 20
    while page.evaluate(kept) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    scans = {}
    files = (("chung-sinh.pdf", PDF), ("cccd-lo-thi-mai.jpg", JPEG), ("ho-khau.png", PNG), ("uy-quyen.pdf", PDF))
    for name, data in (*files, ("hong.pdf", b"%PDF-1.7\n" + b"0" * 400)):  # the last: starts like a PDF, is none
        (tmp_path / name).write_bytes(data)
        scans[name] = tmp_path / name
    return scans


def offline(page, link) -> None:
    link.steer("/down")
    page.context.set_offline(True)


def online(page, link) -> None:
    link.steer("/up")
    page.context.set_offline(False)


def variant(procedures: list[str]) -> str:
    for found in BundleVariant.objects.filter(kind="birth").prefetch_related("procedures"):
        if sorted(p.code for p in found.procedures.all()) == sorted(procedures):
            return str(found.pk)
    raise AssertionError(procedures)


def capture_birth(page, link, child: str, scans: Sequence[tuple[str, Path]] = (), **changed: str) -> str:
    """Enter a birth dossier at the desk with the network down (the desk's intake opens as its
    offline counterpart), save it on the device; the local number its provisional slip gives."""
    page.goto(link.url + "/clerk/new/birth/")
    page.get_by_role("heading", level=1, name="Tiếp nhận hồ sơ khai sinh: tiếp nhận ngoại tuyến").wait_for()
    page.locator(f'input[name="variant"][value="{variant(["birth_registration", "health_insurance_card"])}"]').check()
    values = {
        "applicant-full_name": "Nguyễn Thị Lan", "applicant-id_number": "040195001234", "applicant-relationship": "mẹ",
        "child-full_name": child, "child-date_of_birth": BORN.strftime("%d/%m/%Y"),
        "child-place_of_birth": "Trạm y tế xã Mường Xén", "child-birth_certificate_number": f"CS-{child[-2:]}",
        "mother-full_name": "Nguyễn Thị Lan", "mother-date_of_birth": "01/05/1995",
        "insurance-initial_clinic": "Trạm y tế xã Mường Xén", **changed,
    }  # fmt: skip
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="child-sex"][value="female"]').check()
    return save(page, scans)


def capture_death(page, link, deceased: str, scans: Sequence[tuple[str, Path]] = ()) -> str:
    """A death dossier asking for the funeral allowance: its category's questions answered offline
    (what they lead to is worked out when it is sent)."""
    died = timezone.localdate() - datetime.timedelta(days=3)
    page.goto(link.url + "/clerk/new/death/")
    page.get_by_role("heading", level=1, name="Tiếp nhận hồ sơ khai tử: tiếp nhận ngoại tuyến").wait_for()
    page.get_by_label("Khai tử, xóa thường trú, mai táng phí", exact=True).check()
    values = {
        "applicant-full_name": "Lò Văn Hùng", "applicant-id_number": "040080004321", "applicant-relationship": "con",
        "deceased-full_name": deceased, "deceased-date_of_birth": "12/04/1950",
        "deceased-id_number": "040050009876", "deceased-date_of_death": died.strftime("%d/%m/%Y"),
        "deceased-place_of_death": "Tại nhà", "deceased-last_residence": "Bản Huồi Giảng, xã Mường Xén",
        "death_notice-number": "BT-2026-0456", "death_notice-issuer": "Trạm y tế xã Mường Xén",
        "death_notice-date": died.strftime("%d/%m/%Y"),
    }  # fmt: skip
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="deceased-sex"][value="male"]').check()
    page.get_by_label(re.compile("trợ cấp xã hội hằng tháng")).check()
    return save(page, scans)


def save(page, scans: Sequence[tuple[str, Path]]) -> str:
    """Attach the scans, save the dossier on the device: the local number its provisional slip gives."""
    for row, (kind, path) in enumerate(scans, start=1):
        page.locator(f"#scan-{row}-kind").select_option(kind)
        page.locator(f"#scan-{row}-file").set_input_files(str(path))
    page.get_by_role("button", name="Lưu trên máy này").click()
    page.get_by_role("heading", name="Giấy biên nhận tạm").wait_for()
    return page.locator("[data-slip-facts] dd").first.inner_text()


def outbox_states(page) -> dict[str, str]:
    rows = page.locator("[data-outbox] tbody tr")
    return {row.get_attribute("data-number"): row.get_attribute("data-state") for row in rows.all()}


def wait_states(page, expected: dict[str, str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while outbox_states(page) != expected and time.monotonic() < deadline:
        time.sleep(0.25)
    assert outbox_states(page) == expected


DEVICE = """async () => {
  const db = await idb.openDB("lienthong-desk");
  const hex = (b) => Array.from(new Uint8Array(b.buffer || b), (n) => n.toString(16).padStart(2, "0")).join("");
  const plain = (value) =>
    JSON.stringify(value, (key, v) => (v instanceof ArrayBuffer || v instanceof Uint8Array ? hex(v) : v));
  const dossiers = await db.getAll("dossiers");
  const scans = await db.getAll("scans");
  db.close();
  return {dossiers: dossiers.map((d) => ({...d, box: undefined, epk: undefined, refusal: undefined, sealed: !!d.box})),
          scans: scans.map((s) => ({dossier: s.dossier, n: s.n, sent: s.sent, kept: !!s.box})),
          text: plain(dossiers) + plain(scans)};
}"""


def device(page) -> dict:
    return page.evaluate(DEVICE)


def test_three_dossiers_captured_offline_reach_the_portal_once_each_with_every_scan_through_a_failing_link(
    page, link, desk, settings
):
    offline(page, link)
    four = [
        ("Giấy chứng sinh", desk["chung-sinh.pdf"]),
        ("Giấy tờ tùy thân của người đi đăng ký", desk["cccd-lo-thi-mai.jpg"]),
        ("Giấy tờ chứng minh chỗ ở hợp pháp", desk["ho-khau.png"]),
        ("Tờ khai đăng ký khai sinh", desk["uy-quyen.pdf"]),
    ]
    numbers = [
        capture_birth(page, link, "Lò Thị Mai 01", four),
        capture_birth(page, link, "Vi Văn Tùng 02"),
        capture_death(page, link, "Lầu Bá Chúa", [("Giấy báo tử hoặc giấy tờ thay thế", desk["chung-sinh.pdf"])]),
    ]
    screenshot(page, "offline-1-provisional-slip")
    captured_by = timezone.now()

    # Kept on the device, encrypted: no name, ID number or scan in clear.
    kept = device(page)
    assert sorted(d["number"] for d in kept["dossiers"]) == sorted(numbers)
    assert all(d["sealed"] and d["state"] == "waiting" for d in kept["dossiers"])
    assert len(kept["scans"]) == 5
    for secret in ("Lò Thị Mai", "040195001234", "Mường Xén", "cccd-lo-thi-mai", "Giấy chứng sinh"):
        assert secret not in kept["text"] and secret.encode().hex() not in kept["text"]
    assert PDF[:64].hex() not in kept["text"]

    # Reloaded offline: the worker opens the desk's page as its offline counterpart; all three wait.
    page.goto(link.url + "/clerk/")
    page.reload()
    page.get_by_role("heading", level=1, name="Tiếp nhận ngoại tuyến").wait_for()
    status = page.locator("[data-offline-status]")
    assert status.get_attribute("data-state") == "offline"
    assert status.locator("[data-waiting]").inner_text() == "3 hồ sơ chờ gửi"
    wait_states(page, dict.fromkeys(numbers, "waiting"))
    screenshot(page, "offline-2-outbox-offline")
    assert Bundle.objects.count() == 0

    # The network returns, and fails twice: the third scan's upload dropped halfway, the portal's
    # answer to the second dossier lost on the way back.
    link.steer("/cut-request?path=/attachments/&times=1")
    link.steer("/cut-response?path=/clerk/offline/file/&times=1")
    online(page, link)
    page.locator("[data-send-now]").click()
    wait_states(page, dict.fromkeys(numbers, "sent"), seconds=60)
    screenshot(page, "offline-3-outbox-sent")

    # The portal holds each dossier once, received when it was captured, and each scan once, whole.
    bundles = {b.data["local_number"]: b for b in Bundle.objects.all()}
    assert sorted(bundles) == sorted(numbers)
    assert IdempotencyRecord.objects.count() == 3
    first = bundles[numbers[0]]
    scans = list(first.attachments.order_by("kind"))
    assert [(a.kind, a.size) for a in scans] == sorted((kind, path.stat().st_size) for kind, path in four)
    assert [a.file.read() for a in sorted(scans, key=lambda a: a.kind)] == [
        path.read_bytes() for _kind, path in sorted(four)
    ]
    assert Attachment.objects.count() == 5
    death = bundles[numbers[2]]
    assert (death.kind, death.category) == ("death", "social_protection")  # decided when it was sent
    for number, bundle in bundles.items():
        filed = Event.objects.get(bundle=bundle, action="filed")
        assert filed.data["local_number"] == number
        assert datetime.datetime.fromisoformat(filed.data["captured_at"]) == bundle.received_at
        assert bundle.received_at < captured_by < filed.at
    log = link.log()
    assert ["POST", f"/api/v1/bundles/{first.code}/attachments/", "cut-request"] in log
    assert sum(1 for entry in log if entry[2] == "cut-response") == 1

    # Sent: the device keeps each one's line (number, code), nothing of its data.
    kept = device(page)
    assert kept["scans"] == []
    assert {(d["number"], d["code"], d["state"], d["sealed"]) for d in kept["dossiers"]} == {
        (number, bundles[number].code, "sent", False) for number in numbers
    }
    assert status.get_attribute("data-state") == "online"
    assert status.locator("[data-waiting]").inner_text() == "Không có hồ sơ chờ gửi"

    # Their lines go too, after OFFLINE_SENT_KEEP_HOURS (here none).
    settings.OFFLINE_SENT_KEEP_HOURS = 0
    page.reload()
    deadline = time.monotonic() + 10
    while device(page)["dossiers"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert device(page) == {"dossiers": [], "scans": [], "text": "[][]"}


def test_two_tabs_sending_at_once_file_each_dossier_once(page, link, desk):
    offline(page, link)
    scan = [("Giấy chứng sinh", desk["chung-sinh.pdf"])]
    numbers = [capture_birth(page, link, "Hà Văn Sơn 11", scan), capture_birth(page, link, "Lương Thị Hoa 12", scan)]
    page.goto(link.url + "/clerk/offline/")
    other = page.context.new_page()
    other.goto(link.url + "/clerk/offline/")
    wait_states(other, dict.fromkeys(numbers, "waiting"))

    # The link fails the other two ways: a dossier cut mid-request, a scan's answer lost.
    link.steer("/cut-request?path=/clerk/offline/file/&times=1")
    link.steer("/cut-response?path=/attachments/&times=1")
    online(page, link)  # both tabs hear the network come back, and both go to send
    wait_states(page, dict.fromkeys(numbers, "sent"), seconds=60)
    wait_states(other, dict.fromkeys(numbers, "sent"))

    assert sorted(b.data["local_number"] for b in Bundle.objects.all()) == sorted(numbers)
    assert sorted((a.bundle.data["local_number"], a.size) for a in Attachment.objects.all()) == [
        (number, len(PDF)) for number in sorted(numbers)
    ]
    log = link.log()
    filings = [entry[2] for entry in log if entry[1].startswith("/clerk/offline/file/")]
    assert filings == ["cut-request", "passed", "passed"]  # the cut one once more, then the other: never twice
    assert [entry[2] for entry in log if entry[1].endswith("/attachments/")] == ["cut-response", "passed", "passed"]


def test_a_refused_dossier_comes_back_with_the_portals_messages_at_its_fields_and_goes_once_corrected(page, link, desk):
    offline(page, link)
    scan = [("Giấy chứng sinh", desk["chung-sinh.pdf"])]
    number = capture_birth(page, link, "Moong Văn Pàng 21", scan, **{"applicant-id_number": "0401"})
    online(page, link)
    page.goto(link.url + "/clerk/offline/")
    wait_states(page, {number: "refused"})
    assert Bundle.objects.count() == 0
    assert page.locator("[data-offline-status] [data-waiting]").inner_text() == (
        "Không có hồ sơ chờ gửi · 1 hồ sơ bị từ chối: cần sửa"
    )
    screenshot(page, "offline-4-refused")

    page.get_by_role("link", name="Sửa", exact=True).click()
    field = page.locator(".field.has-error", has=page.locator('[name="applicant-id_number"]'))
    assert field.locator(".field-errors").inner_text() == "Trường này phải có ít nhất 12 ký tự."
    assert page.locator("[data-capture-errors] li").all_inner_texts() == [
        "Người nộp hồ sơ – Số định danh cá nhân (12 chữ số): Trường này phải có ít nhất 12 ký tự."
    ]
    assert page.locator("[data-kept-scans]").inner_text() == (
        "Đã lưu trên máy cùng hồ sơ: Giấy chứng sinh (chung-sinh.pdf). Chỉ chọn tệp bên dưới nếu cần thêm bản quét."
    )
    assert page.locator('[name="child-full_name"]').input_value() == "Moong Văn Pàng 21"
    screenshot(page, "offline-5-correct")
    page.locator('[name="applicant-id_number"]').fill("040195001234")
    page.get_by_role("button", name="Lưu trên máy này").click()
    page.get_by_role("heading", name="Giấy biên nhận tạm").wait_for()
    assert page.locator("[data-slip-facts] dd").first.inner_text() == number

    page.goto(link.url + "/clerk/offline/")
    wait_states(page, {number: "sent"})
    bundle = Bundle.objects.get()
    assert (bundle.data["local_number"], bundle.applicant_id_number) == (number, "040195001234")
    assert [a.kind for a in bundle.attachments.all()] == ["Giấy chứng sinh"]


def test_signing_out_wipes_the_device_after_asking_about_what_waits(page, link, desk):
    offline(page, link)
    capture_birth(page, link, "Xồng Bá Dê 31")
    online(page, link)
    link.steer("/cut-request?path=/clerk/offline/file/&times=99")  # the dossier never gets through
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").wait_for()

    assert asked == [
        "1 hồ sơ tiếp nhận ngoại tuyến chưa được cổng xác nhận đã nhận. "
        "Đăng xuất sẽ xoá chúng khỏi máy này. Vẫn đăng xuất?"
    ]
    left = page.evaluate(
        """async () => ({
        databases: (await indexedDB.databases()).map((d) => d.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length})"""
    )
    assert left == {"databases": [], "caches": [], "workers": 0}


def test_a_page_of_another_clerk_than_the_one_signed_in_sends_nothing_and_keeps_everything(page, link, desk):
    from django.test import Client

    from agencies.models import User

    offline(page, link)
    number = capture_birth(page, link, "Lò Văn Pọm 41")
    # Meanwhile the session ran out and the commune's other clerk signed in on this computer.
    other = Client()
    other.force_login(User.objects.get(username="clerk.17329"))
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": other.cookies["sessionid"].value, "url": link.url}])

    online(page, link)  # the page of clerk.16690 goes to send, and is given the other clerk's key
    status = page.locator("[data-offline-status]")
    deadline = time.monotonic() + 10
    while status.get_attribute("data-state") != "signin" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status.get_attribute("data-state") == "signin"
    assert [(d["number"], d["state"]) for d in device(page)["dossiers"]] == [(number, "waiting")]
    assert Bundle.objects.count() == 0

    page.context.clear_cookies()
    page.goto(link.url + "/accounts/login/")  # clerk.16690 signs in again: it goes
    page.get_by_label("Tên đăng nhập").fill("clerk.16690")
    page.get_by_label("Mật khẩu").fill("demo-pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(link.url + "/clerk/offline/")
    wait_states(page, {number: "sent"})
    assert Bundle.objects.get().data["local_number"] == number


def test_a_scan_refused_after_its_dossier_was_filed_stays_on_the_device_until_taken(page, link, desk):
    offline(page, link)
    number = capture_birth(page, link, "Thò Thị Dua 51", [("Giấy chứng sinh", desk["hong.pdf"])])
    online(page, link)
    page.goto(link.url + "/clerk/offline/")
    wait_states(page, {number: "sent"})
    bundle = Bundle.objects.get()
    assert list(bundle.attachments.all()) == []
    row = page.locator("[data-outbox] tbody tr")
    assert row.locator("p.warning").inner_text() == (
        "Bản quét 1 bị từ chối: Tệp quét không phải là PDF đọc được: phần đầu giống PDF nhưng không mở được. "
        "Hãy tải về và đính kèm trên trang hồ sơ. Tải về Đã đính kèm: xoá khỏi máy này"
    )
    kept = device(page)
    assert kept["scans"] == [{"dossier": kept["dossiers"][0]["id"], "n": 1, "sent": False, "kept": True}]
    screenshot(page, "offline-6-scan-refused")

    with page.expect_download() as taken:
        row.get_by_role("button", name="Tải về").click()
    assert (taken.value.suggested_filename, Path(taken.value.path()).read_bytes()) == (
        "hong.pdf",
        desk["hong.pdf"].read_bytes(),
    )
    row.get_by_role("button", name="Đã đính kèm: xoá khỏi máy này").click()
    deadline = time.monotonic() + 10
    while device(page)["scans"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert device(page)["scans"] == []
