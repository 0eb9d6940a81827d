"""Issue 26 §7, walked in Chromium as people would, each page photographed at 1280 and 412 px:
the dashboard in English, a refused scan at its slot, the level-2 page, the partner's
integration page and the 404 under DEBUG."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from agencies.choices import UserRole
from agencies.models import User
from agencies.services import user_upsert
from cases.models import Bundle
from citizens import signin
from health.models import HealthFacility
from health.pki import envelope, make_signer
from health.services import health_notice_receive
from outbound.models import Attempt, Delivery, DeliveryState, Subscription, Target
from reporting.summaries import summaries_rebuild
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.cases.conftest import _fresh_rules_and_in_process_tasks  # noqa: F401
from tests.health.conftest import BIRTH, CODE
from tests.reporting.test_rates import file

pytestmark = pytest.mark.django_db(transaction=True)


def both_widths(page, name: str) -> None:
    """The page as it is at 1280 px, then at 412 px (a phone), then back."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 412, "height": 900})
    screenshot(page, f"{name}-412")
    page.set_viewport_size({"width": 1280, "height": 800})


def english(page, live_server) -> None:
    page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


def test_the_province_reads_the_dashboards_tables_in_english(page, live_server, portal):
    partner = User.objects.create(username="partner", role=UserRole.INTEGRATION)
    for n, (commune, channel) in enumerate([("16690", "online"), ("16690", "direct"), ("17329", "online")]):
        file(partner, commune, f"2026-03-0{n + 2}T09:00:00+07:00", channel, n)
    summaries_rebuild()
    portal("province.40")
    page.goto(f"{live_server.url}/reports/?from=2026-03-01&to=2026-03-31")  # rendered in Vietnamese first
    english(page, live_server)

    page.goto(f"{live_server.url}/reports/?from=2026-03-01&to=2026-03-31")

    variants = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Procedures asked for"))
    assert variants.locator("tbody tr").first.inner_text().split("\t") == [
        "Birth", "Birth, health-insurance card", "3", "2",
    ]  # fmt: skip
    sla = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Agency"))
    assert sla.locator("tbody td").nth(0).inner_text() == "Justice (civil status)"
    assert sla.locator("tbody td").nth(1).inner_text() == "Birth registration"
    page.get_by_role("heading", name="On time, per office and procedure").scroll_into_view_if_needed()
    both_widths(page, "issue26-dashboard-en")


def test_a_refused_scan_is_shown_at_its_slot_with_the_type_kept(page, live_server, portal, tmp_path):
    signer = make_signer("Sở Y tế Nghệ An — test CA", "Bệnh viện Sản Nhi Nghệ An — test")
    client = user_upsert(username="benhvien", password="x", role=UserRole.HEALTH_FACILITY)
    HealthFacility.objects.create(code=CODE, name="Bệnh viện Sản Nhi Nghệ An", client=client, ca_pem=signer.ca_pem)
    health_notice_receive(user=client, body=signer.sign(envelope(CODE, "birth", BIRTH)), content_type="application/xml")
    portal("clerk.16690")
    page.goto(live_server.url + "/clerk/new/birth/")
    page.locator("#certificate").fill("GCS-2026-000123")
    page.get_by_role("button", name="Điền hồ sơ từ giấy này").click()
    page.wait_for_load_state()
    assert page.locator('[name="child-ethnicity"]').input_value() == "Kinh"
    assert page.locator('[name="child-nationality"]').input_value() == "VN"
    page.get_by_label("Khai sinh, thẻ BHYT", exact=True).check()
    page.locator('[name="child-full_name"]').fill("Trần Minh Anh")
    page.locator('[name="applicant-full_name"]').fill("Nguyễn Thị Lan")
    page.locator('[name="applicant-id_number"]').fill("040195001234")
    page.locator('[name="applicant-relationship"]').fill("mẹ")
    page.locator('[name="insurance-initial_clinic"]').fill("Trạm y tế phường Trường Vinh")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    bad = tmp_path / "giay-chung-sinh.pdf"
    bad.write_bytes(b"MZ\x90\x00 not a scan")
    page.get_by_label("Giấy tờ 3").select_option("Giấy chứng sinh")
    page.locator('[name="document-3-file"]').set_input_files(str(bad))

    page.get_by_role("button", name="Nộp hồ sơ").click()

    slot = page.locator("#document-3")
    assert slot.locator(".field.has-error .field-errors").inner_text() == (
        "Chỉ nhận bản quét PDF, JPEG hoặc PNG; tệp này không thuộc loại nào trong đó."
    )
    assert page.get_by_label("Giấy tờ 3").input_value() == "Giấy chứng sinh"
    assert page.locator(".field-errors").count() == 1
    assert Bundle.objects.count() == 0
    page.get_by_role("link", name="Giấy tờ 3: Chỉ nhận bản quét PDF").click()
    both_widths(page, "issue26-scan-refused")


def test_a_level_1_citizen_is_told_to_sign_in_at_level_2(page, live_server):
    citizen = User.objects.create(username="c040195001234", role=UserRole.CITIZEN, personal_id="040195001234")
    browser_session = Client()
    browser_session.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    session = browser_session.session
    session[signin.SESSION_ACR] = "1"
    session.save()
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "url": live_server.url}])  # fmt: skip

    response = page.goto(live_server.url + "/citizen/file/birth/")

    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Cần tài khoản định danh điện tử mức độ 2 để nộp hồ sơ"
    button = page.get_by_role("link", name="Đăng nhập lại bằng định danh điện tử mức độ 2")
    assert button.get_attribute("href") == "/citizen/sign-in/level-2/?next=%2Fcitizen%2Ffile%2Fbirth%2F"
    both_widths(page, "issue26-level-2")


def test_the_partner_reads_its_token_webhooks_and_deliveries(page, live_server, portal):
    from rest_framework.authtoken.models import Token

    portal("portal.integration")
    partner = User.objects.get(username="portal.integration")
    Token.objects.create(user=partner)
    file(partner, "16690", "2026-03-02T09:00:00+07:00", "online", 1)
    bundle = Bundle.objects.get()
    hook = Subscription.objects.create(client=partner, url="https://gateway.example.gov.vn/hooks/lienthong",
                                       events=["*"], secret="s")  # fmt: skip
    now = timezone.now()
    for n, (state, code) in enumerate([(DeliveryState.DELIVERED, 200), (DeliveryState.PENDING, 503)]):
        sent = Delivery.objects.create(
            target=Target.WEBHOOK, subscription=hook, bundle=bundle, event="dossier.filed", position=n, payload={},
            created_at=now - datetime.timedelta(minutes=10 - n), state=state, attempts=1,
        )  # fmt: skip
        Attempt.objects.create(delivery=sent, status_code=code)

    page.goto(live_server.url + "/integration/")

    assert page.locator(".token-state.valid").is_visible()
    assert page.locator("#webhooks tbody tr").count() == 1
    assert page.locator("#deliveries tbody tr").all_inner_texts()[0].split("\t")[-3:] == ["Chờ gửi", "1", "HTTP 503"]
    both_widths(page, "issue26-integration")


def test_under_debug_an_unknown_address_shows_the_portals_404(page, live_server, settings):
    settings.DEBUG = True

    response = page.goto(live_server.url + "/no-such-page/")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    assert "URLconf" not in page.content()
    both_widths(page, "issue26-404-debug")
    assert (SCREENSHOTS / "issue26-404-debug-412.png").exists()
