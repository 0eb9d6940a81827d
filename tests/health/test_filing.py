"""Filing from a hospital notice: the desk fills a dossier from the certificate number, the mother
is offered her child's birth, the dossier cites the notice (and is the only one that may), and the
notices nobody used are purged after HEALTH_NOTICE_KEEP_DAYS."""

import datetime
import re

import pytest
from django.utils import timezone

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle
from health.models import HealthNotice, NoticeEvent
from health.services import notices_purge
from portal.errors import Invalid
from tests.cases.conftest import birth
from tests.citizens.test_area import citizen_user, sign_in
from tests.health.conftest import HUNG, LAN, signed

pytestmark = pytest.mark.django_db
NUMBER = "GCS-2026-000123"


@pytest.fixture
def notice(post, signer):
    response = post(signed(signer))
    assert response.status_code == 201, response.content
    return HealthNotice.objects.get(pk=response.json()["id"])


def typed(data):
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def from_notice(notice, **changes):
    return birth(**{"health_notice": notice.pk, "child__birth_certificate_number": NUMBER, **changes})


def test_a_dossier_citing_the_notice_is_linked_to_it_and_no_second_one_may_cite_it(api, integration, notice):
    response = api(integration).post("/api/v1/bundles/", from_notice(notice), format="json")
    assert response.status_code == 201, response.content
    bundle = Bundle.objects.get(code=response.json()["code"])
    notice.refresh_from_db()
    assert notice.bundle == bundle
    assert "health_notice" not in bundle.data
    assert list(NoticeEvent.objects.order_by("pk").values_list("action", "bundle_code")) == [
        ("received", ""),
        ("cited", bundle.code),
    ]
    again = api(integration).post(
        "/api/v1/bundles/", from_notice(notice, child__birth_certificate_number=NUMBER), format="json"
    )
    assert (again.status_code, again.json()["errors"]) == (
        400,
        {"health_notice": [f"Không có giấy của bệnh viện số {notice.pk} chưa dùng cho loại hồ sơ này."]},
    )
    assert Bundle.objects.count() == 1


def test_a_dossier_must_carry_the_notices_number_and_kind(api, integration, notice):
    response = api(integration).post(
        "/api/v1/bundles/", from_notice(notice, child__birth_certificate_number="CS-OTHER"), format="json"
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"child.birth_certificate_number": [f"Phải là {NUMBER}, như trên giấy của bệnh viện."]},
    )
    death = {"kind": "death", "health_notice": notice.pk}
    refused = api(integration).post("/api/v1/bundles/", {**from_notice(notice), **death}, format="json")
    assert refused.json()["errors"]["health_notice"] == [
        f"Không có giấy của bệnh viện số {notice.pk} chưa dùng cho loại hồ sơ này."
    ]
    assert HealthNotice.objects.get().bundle is None


def test_a_citizen_may_cite_only_a_notice_that_names_them(notice):
    stranger = citizen_user("040093005678")
    data = typed(from_notice(notice, applicant__id_number=stranger.personal_id, received_at=None))
    with pytest.raises(Invalid) as refused:
        services.bundle_file(user=stranger, data=data, assurance="2")
    assert refused.value.errors == {"health_notice": ["Giấy của bệnh viện này không ghi tên bạn."]}
    mother = citizen_user(LAN)
    bundle, created = services.bundle_file(
        user=mother, data=typed(from_notice(notice, received_at=None)), assurance="2"
    )
    assert (created, bundle.source, HealthNotice.objects.get().bundle) == (True, "citizen", bundle)


def test_the_desk_fills_a_dossier_from_the_certificate_number(client, make_user, notice):
    client.force_login(make_user(UserRole.CLERK))
    page = client.get("/clerk/new/birth/", {"certificate": NUMBER}).content.decode()
    assert 'id="from-notice"' in page
    assert f'name="health_notice" value="{notice.pk}"' in page
    assert 'name="mother-full_name" value="Nguyễn Thị Lan"' in page
    assert f'name="child-birth_certificate_number" value="{NUMBER}"' in page
    assert 'name="child-date_of_birth" value="30/11/2026"' in page
    missing = client.get("/clerk/new/birth/", {"certificate": "GCS-NONE"}).content.decode()
    assert "Không có giấy của bệnh viện số GCS-NONE mà chưa hồ sơ nào dùng" in missing
    assert 'id="from-notice"' not in missing


def test_the_desk_looking_up_a_notice_already_filed_is_told_which_dossier_has_it(
    client, make_user, notice, api, integration
):
    """Issue 26: the look-up said "no unused notice: enter it by hand", and the hand-typed dossier
    was then refused as a duplicate of a dossier it never named."""
    code = api(integration).post("/api/v1/bundles/", from_notice(notice), format="json").json()["code"]
    client.force_login(make_user(UserRole.CLERK))

    page = client.get("/clerk/new/birth/", {"certificate": NUMBER}).content.decode()

    assert f"Giấy của bệnh viện số {NUMBER} đã có trong hồ sơ {code}: hãy mở hồ sơ đó." in page
    assert "nhập hồ sơ bằng tay" not in page and 'id="from-notice"' not in page


def test_the_mother_is_offered_her_childs_birth_with_everything_filled(client, notice):
    sign_in(client, citizen_user(LAN))
    home = client.get("/citizen/").content.decode()
    assert "Đăng ký khai sinh cho con sinh ngày 30/11/2026 tại Bệnh viện Sản Nhi Nghệ An." in home
    assert f'href="/citizen/file/birth/?notice={notice.pk}"' in home
    page = client.get(f"/citizen/file/birth/?notice={notice.pk}").content.decode()
    assert 'id="from-notice"' in page
    assert f'name="health_notice" value="{notice.pk}"' in page
    assert 'name="applicant-relationship" value="mẹ"' in page
    assert re.search(r'<option value="16690" selected>Phường Trường Vinh</option>', page)


def test_a_dossier_filled_from_a_notice_starts_with_the_default_ethnicity_and_nationality(client, make_user, notice):
    """Issue 26 §7.4: what the hospital does not say starts as on an empty form, at the desk and online."""
    sign_in(client, citizen_user(LAN))
    online = client.get(f"/citizen/file/birth/?notice={notice.pk}").content.decode()
    client.force_login(make_user(UserRole.CLERK))
    desk = client.get("/clerk/new/birth/", {"certificate": NUMBER}).content.decode()

    for page in (online, desk):
        assert 'name="mother-full_name" value="Nguyễn Thị Lan"' in page
        assert re.search(r'name="child-ethnicity" value="([^"]*)"', page).group(1) == "Kinh"
        assert re.search(r'name="child-nationality" value="([^"]*)"', page).group(1) == "VN"


def test_nobody_else_is_offered_the_notice_or_can_open_it(client, notice):
    sign_in(client, citizen_user(HUNG))
    assert "offers-title" not in client.get("/citizen/").content.decode()
    page = client.get(f"/citizen/file/birth/?notice={notice.pk}").content.decode()
    assert 'id="from-notice"' not in page
    assert '<input type="hidden" name="health_notice" id="id_health_notice">' in page  # no value
    assert 'name="mother-full_name" value=' not in page


def test_the_relative_is_offered_the_death_bundle(client, post, signer):
    post(signed(signer, "death"))
    sign_in(client, citizen_user(HUNG))
    home = client.get("/citizen/").content.decode()
    assert "Đăng ký khai tử cho Lê Văn Tư, mất ngày 29/11/2026 tại Bệnh viện Sản Nhi Nghệ An." in home


def test_unused_notices_are_purged_after_the_keeping_period_and_cited_ones_stay(
    settings, post, signer, integration, api
):
    settings.HEALTH_NOTICE_KEEP_DAYS = 90
    cited = HealthNotice.objects.get(pk=post(signed(signer)).json()["id"])
    unused = post(signed(signer, "death")).json()["id"]
    response = api(integration).post("/api/v1/bundles/", from_notice(cited), format="json")
    assert response.status_code == 201, response.content
    HealthNotice.objects.update(received_at=timezone.now() - datetime.timedelta(days=91))
    recent = post(signed(signer, SO="GCS-2026-000999")).json()["id"]
    assert notices_purge(now=timezone.now()) == 1
    assert sorted(HealthNotice.objects.values_list("pk", flat=True)) == sorted([cited.pk, recent])
    purged = NoticeEvent.objects.get(action="purged")
    assert (purged.notice_id, purged.kind, purged.certificate_number) == (unused, "death", "GBT-2026-000045")
    assert notices_purge(now=timezone.now() + datetime.timedelta(days=91)) == 1  # the recent one, never cited


def test_the_dashboard_counts_the_online_dossiers_started_from_a_notice(client, make_user, notice, api, integration):
    filed = api(integration).post("/api/v1/bundles/", from_notice(notice), format="json")
    assert filed.status_code == 201, filed.content
    plain = birth(child__birth_certificate_number="CS-PLAIN")
    assert api(integration).post("/api/v1/bundles/", plain, format="json").status_code == 201
    client.force_login(make_user(UserRole.PROVINCIAL))
    page = client.get("/reports/", {"unit": "40", "from": "2026-03-01", "to": "2026-03-31"}).content.decode()
    assert re.search(r'id="from-notices">\s*1 hồ sơ trực tuyến bắt đầu từ giấy điện tử của bệnh viện.', page)
