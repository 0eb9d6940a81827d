"""End to end in headless Chromium, every peer real: a hospital's signed birth certificate comes
in; the mother signs in with e-ID at the development provider (its own process); her area offers
the birth registration with everything the hospital sent; she picks the procedures, adds the name,
files; the dossier lands in the civil-status officer's queue with the notice named."""

import pytest
from django.core.management import call_command

from agencies.choices import UserRole
from agencies.services import user_upsert
from cases.models import Bundle
from health.models import HealthFacility, HealthNotice
from health.pki import envelope, make_signer
from health.services import health_notice_receive
from tests.chromium import screenshot
from tests.citizens.conftest import LAN
from tests.citizens.test_signin import sign_in
from tests.health.conftest import BIRTH, CODE

pytestmark = pytest.mark.django_db


def test_the_mother_files_the_birth_from_the_hospitals_notice_and_it_reaches_civil_status(page, live_server, provider):
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)
    signer = make_signer("Sở Y tế Nghệ An — test CA", "Bệnh viện Sản Nhi Nghệ An — test")
    client = user_upsert(username="benhvien", password="x", role=UserRole.HEALTH_FACILITY)
    HealthFacility.objects.create(code=CODE, name="Bệnh viện Sản Nhi Nghệ An", client=client, ca_pem=signer.ca_pem)
    body = signer.sign(envelope(CODE, "birth", BIRTH))
    notice, _new = health_notice_receive(user=client, body=body, content_type="application/xml")

    sign_in(page, live_server, LAN)
    offer = page.locator("#offers-title + .offer-list li")
    assert (
        offer.locator("p").inner_text()
        == "Đăng ký khai sinh cho con sinh ngày 30/11/2026 tại Bệnh viện Sản Nhi Nghệ An."
    )
    screenshot(page, "citizen-offer")
    offer.get_by_role("link", name="Đăng ký khai sinh cho con").click()

    assert page.locator("#from-notice").is_visible()
    assert page.locator('[name="mother-full_name"]').input_value() == "Nguyễn Thị Lan"
    assert page.locator('[name="child-birth_certificate_number"]').input_value() == "GCS-2026-000123"
    assert page.locator('[name="commune"]').input_value() == "16690"
    page.get_by_label("Khai sinh, thẻ BHYT", exact=True).check()
    page.locator('[name="child-full_name"]').fill("Trần Minh Anh")
    page.locator('[name="insurance-initial_clinic"]').fill("Trạm y tế phường Trường Vinh")
    screenshot(page, "citizen-file-from-notice")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()

    bundle = Bundle.objects.get()
    assert (bundle.channel, bundle.source, bundle.data["child"]["full_name"]) == ("online", "citizen", "Trần Minh Anh")
    assert HealthNotice.objects.get().bundle == bundle
    assert page.locator("#hospital-notice").inner_text() == (
        "Giấy chứng sinh GCS-2026-000123 · Bệnh viện Sản Nhi Nghệ An · đã kiểm tra chữ ký số"
    )
    screenshot(page, "citizen-filed-from-notice")

    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("civil_status.16690")
    page.get_by_label("Mật khẩu").fill("demo-pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert page.get_by_text(bundle.code).count() == 1
    screenshot(page, "officer-queue-from-notice")
    assert notice.pk == HealthNotice.objects.get().pk
