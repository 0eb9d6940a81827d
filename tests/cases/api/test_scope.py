"""Who sees and does what: role × own or other commune/office. Outside one's scope is 404."""

import datetime

import pytest

from agencies.choices import UserRole
from cases.models import Bundle, Event, Outbox, PersonalDataAccess, Step
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 2)


@pytest.fixture
def bundle(api, integration) -> Bundle:
    response = api(integration).post("/api/v1/bundles/", birth(), format="json")
    return Bundle.objects.get(code=response.json()["code"])


@pytest.fixture
def people(make_user, integration):
    """One person per role, in the bundle's commune or office ("own") and elsewhere ("other")."""
    return {
        "clerk own": make_user(UserRole.CLERK, commune="16690", on=ON, username="clerk-own"),
        "clerk other": make_user(UserRole.CLERK, commune="17329", on=ON, username="clerk-other"),
        "officer own": make_user(UserRole.OFFICER, agency_role="civil_status", on=ON, username="officer-own"),
        "officer other": make_user(
            UserRole.OFFICER, agency_role="civil_status", commune="17329", on=ON, username="officer-other"),
        "provincial own": make_user(UserRole.PROVINCIAL, on=ON, username="province-own"),
        "integration own": integration,
        "integration other": make_user(UserRole.INTEGRATION, username="other-system"),
    }  # fmt: skip


READ = {
    "clerk own": 200,
    "clerk other": 404,
    "officer own": 200,
    "officer other": 404,
    "provincial own": 200,
    "integration own": 200,
    "integration other": 404,
}


@pytest.mark.parametrize(("who", "status"), READ.items())
def test_reading_a_bundle(api, bundle, people, who, status):
    response = api(people[who]).get(f"/api/v1/bundles/{bundle.code}/")

    assert response.status_code == status
    assert PersonalDataAccess.objects.filter(bundle=bundle, user=people[who]).count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(("who", "count"), [(who, 1 if status == 200 else 0) for who, status in READ.items()])
def test_listing_bundles(api, bundle, people, who, count):
    assert len(api(people[who]).get("/api/v1/bundles/").json()["results"]) == count


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("clerk own", 404),
        ("clerk other", 404),
        ("officer own", 200),
        ("officer other", 404),
        ("provincial own", 404),
        ("integration own", 404),
    ],
)
def test_claiming_a_step(api, bundle, people, who, status):
    first = bundle.steps.get(procedure_id="birth_registration")

    response = api(people[who]).post(f"/api/v1/steps/{first.pk}/claim/")

    first.refresh_from_db()
    assert response.status_code == status
    assert first.state == ("in_progress" if status == 200 else "ready")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("clerk own", 200),
        ("clerk other", 404),
        ("officer own", 403),
        ("officer other", 404),
        ("provincial own", 403),
        ("integration own", 200),
        ("integration other", 404),
    ],
)
def test_withdrawing_a_bundle(api, bundle, people, who, status):
    response = api(people[who]).post(f"/api/v1/bundles/{bundle.code}/withdraw/", {"reason": "Đổi ý"}, format="json")

    bundle.refresh_from_db()
    assert response.status_code == status
    assert bundle.state == ("withdrawn" if status == 200 else "in_progress")
    assert Event.objects.filter(bundle=bundle, action="withdrawn").count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("who", "commune", "channel", "status"),
    [
        ("clerk own", "16690", "direct", 201),
        ("clerk own", "16690", "postal", 201),
        ("clerk own", "16690", "online", 400),  # a desk's dossier did not arrive online
        ("clerk own", "17329", "direct", 403),
        ("officer own", "16690", "direct", 403),
        ("provincial own", "16690", "direct", 403),
        ("integration other", "17329", "online", 201),
        ("integration other", "17329", "direct", 201),
    ],
)
def test_filing_a_bundle(api, people, who, commune, channel, status):
    data = birth(commune=commune, channel=channel, received_at=None, child__date_of_birth="2026-11-01")

    response = api(people[who]).post("/api/v1/bundles/", data, format="json")

    assert response.status_code == status, response.json()
    assert Bundle.objects.count() == (1 if status == 201 else 0)


def test_a_clerks_online_dossier_is_refused_under_channel_and_nothing_is_written(api, people):
    data = birth(channel="online", received_at=None, child__date_of_birth="2026-11-01")

    response = api(people["clerk own"]).post("/api/v1/bundles/", data, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "channel": [
            "Bộ phận một cửa chỉ nộp hồ sơ tiếp nhận trực tiếp hoặc qua bưu chính; "
            "hồ sơ trực tuyến đến từ Cổng dịch vụ công."
        ]
    }
    assert (Bundle.objects.count(), Event.objects.count(), Outbox.objects.count()) == (0, 0, 0)


def test_a_clerk_may_not_set_the_time_of_receipt(api, people):
    response = api(people["clerk own"]).post("/api/v1/bundles/", birth(), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"received_at": ["Chỉ hệ thống tích hợp mới được ghi thời điểm tiếp nhận."]}


def test_the_queue_holds_only_the_own_office_steps(api, bundle, people):
    own = api(people["officer own"]).get("/api/v1/queue/").json()["results"]
    other = api(people["officer other"]).get("/api/v1/queue/").json()["results"]

    assert [(row["bundle"], row["procedure"]) for row in own] == [(bundle.code, "birth_registration")]
    assert other == []


def test_anonymous_callers_get_401(api, bundle):
    assert api().get("/api/v1/bundles/").status_code == 401
    assert Step.objects.count() == 3


def test_a_partner_logs_in_for_a_token_and_files_with_it(api, make_user):
    make_user(UserRole.INTEGRATION, username="vneid")

    token = api().post("/api/v1/auth/token/", {"username": "vneid", "password": "pw"}, format="json").json()["token"]
    response = api().post("/api/v1/bundles/", birth(), format="json", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 201
    assert Bundle.objects.get().filed_by.username == "vneid"


def test_a_wrong_password_gets_no_token(api, make_user):
    make_user(UserRole.INTEGRATION, username="vneid")

    response = api().post("/api/v1/auth/token/", {"username": "vneid", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Không thể đăng nhập với thông tin đã cung cấp."]}
