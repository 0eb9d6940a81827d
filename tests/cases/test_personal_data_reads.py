"""Every read of a dossier's personal data is recorded, one row per dossier shown, with its channel;
the citizen's tracking answer lists them (when, office, role, channel) without anyone's name."""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from agencies.choices import UserRole
from cases import services
from cases.models import Bundle, PersonalDataAccess, Step
from tests.cases.conftest import at, birth
from tests.pdfs import signed_get

pytestmark = pytest.mark.django_db

JUSTICE = "Tư pháp - Hộ tịch, UBND phường Trường Vinh"


@pytest.fixture(autouse=True)
def _public_address(settings, tmp_path):
    settings.PUBLIC_BASE_URL = "https://dichvucong.nghean.gov.vn"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def keys(signing, bundle, clerk, justice):
    """The desk, the clerk and the officer can sign what they print."""
    signing(unit=bundle.commune)
    signing(user=clerk)
    signing(user=justice)


@pytest.fixture
def bundle(api, integration) -> Bundle:
    return Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, commune="16690", username="clerk-own")


@pytest.fixture
def justice(officer):
    return officer("civil_status")


def first_step(bundle: Bundle) -> Step:
    return bundle.steps.get(procedure_id="birth_registration")


def returned(bundle: Bundle, justice) -> Step:
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_return(
            user=justice,
            step_pk=first_step(bundle).pk,
            reason="Giấy chứng sinh bị mờ.",
            missing_documents=["Giấy chứng sinh"],
        )
    return first_step(bundle)


def refused(bundle: Bundle, justice) -> Step:
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_refuse(user=justice, step_pk=first_step(bundle).pk, reason="Không có quyền yêu cầu.")
    return first_step(bundle)


def reads() -> list[tuple[str | None, str, str]]:
    return [(a.bundle.code, a.user.username, a.channel) for a in PersonalDataAccess.objects.order_by("pk")]


def kinds() -> list[tuple[str, str, str]]:
    return [(a.user.username, a.channel, a.kind) for a in PersonalDataAccess.objects.order_by("pk")]


def track_page(code: str, last4: str = "1234") -> str:
    response = Client().post("/track/", {"code": code, "id_last4": last4})
    assert response.status_code == 200
    return response.content.decode()


def table(page: str, css_class: str) -> list[list[str]]:
    """The rows of the table with this class, each as its cells' text."""
    body = page.split(f'<table class="{css_class}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("<tr")[1:]]


def get(user, url: str):
    client = Client()
    client.force_login(user)
    if url.endswith(".pdf"):  # a signed document: being signed, then signed
        return signed_get(client, url)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_the_desks_receipt_is_recorded(keys, bundle, clerk):
    assert get(clerk, f"/bundles/{bundle.code}/receipt.pdf")["Content-Type"] == "application/pdf"

    assert reads() == [(bundle.code, "clerk-own", "pdf")]


def test_the_desks_supplement_request_is_recorded(keys, bundle, clerk, justice):
    returned(bundle, justice)

    get(clerk, f"/bundles/{bundle.code}/supplement-request.pdf")

    assert reads() == [(bundle.code, "clerk-own", "pdf")]


def test_the_desks_refusal_slip_is_recorded(keys, bundle, clerk, justice):
    refused(bundle, justice)

    get(clerk, f"/bundles/{bundle.code}/refusal.pdf")

    assert reads() == [(bundle.code, "clerk-own", "pdf")]


def test_the_officers_apology_is_recorded(keys, bundle, justice):
    Step.objects.filter(pk=first_step(bundle).pk).update(new_appointment_on=datetime.date(2026, 3, 6))

    get(justice, f"/steps/{first_step(bundle).pk}/apology.pdf")

    assert reads() == [(bundle.code, justice.username, "pdf")]


def test_the_officers_supplement_request_is_recorded(keys, bundle, justice):
    step = returned(bundle, justice)

    get(justice, f"/steps/{step.pk}/supplement-request.pdf")

    assert reads() == [(bundle.code, justice.username, "pdf")]


def test_the_officers_refusal_slip_is_recorded(keys, bundle, justice):
    step = refused(bundle, justice)

    get(justice, f"/steps/{step.pk}/refusal.pdf")

    assert reads() == [(bundle.code, justice.username, "pdf")]


def test_the_queue_row_an_officer_claims_with_htmx_is_recorded(bundle, justice):
    client = Client()
    client.force_login(justice)

    response = client.post(f"/queue/{first_step(bundle).pk}/claim/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Trần Minh An" in response.content.decode()
    assert reads() == [(bundle.code, justice.username, "web")]


def test_the_api_bundle_list_records_each_bundle_of_the_page(api, integration):
    codes = [
        api(integration)
        .post("/api/v1/bundles/", birth(child__birth_certificate_number=f"CS-{n}"), format="json")
        .json()["code"]
        for n in range(3)
    ]

    response = api(integration).get("/api/v1/bundles/", {"page_size": 2})

    shown = [row["code"] for row in response.json()["results"]]
    assert len(shown) == 2
    assert sorted(reads()) == sorted((code, "portal.integration", "api") for code in shown)
    assert set(shown) < set(codes)


def test_the_api_answer_after_a_supplement_is_recorded(api, integration, bundle, justice):
    returned(bundle, justice)

    response = api(integration).post(
        f"/api/v1/bundles/{bundle.code}/supplement/", {"note": "Đã bổ sung."}, format="json"
    )

    assert response.status_code == 200
    assert reads() == [(bundle.code, "portal.integration", "api")]


def test_the_api_answer_after_a_withdrawal_is_recorded(api, integration, bundle):
    response = api(integration).post(
        f"/api/v1/bundles/{bundle.code}/withdraw/", {"reason": "Rút hồ sơ."}, format="json"
    )

    assert response.status_code == 200
    assert reads() == [(bundle.code, "portal.integration", "api")]


def test_the_admins_dossier_page_is_recorded(bundle, make_user):
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)

    get(root, f"/admin/cases/bundle/{bundle.pk}/change/")

    assert reads() == [(bundle.code, "root", "admin")]


def test_the_admins_dossier_list_is_not_a_read(bundle, make_user):
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)

    get(root, "/admin/cases/bundle/")

    assert reads() == []


def test_the_citizen_sees_who_viewed_the_dossier_newest_first_without_names(
    keys, api, bundle, clerk, justice, make_user
):
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        get(clerk, f"/bundles/{bundle.code}/receipt.pdf")
    with time_machine.travel(at(2026, 3, 3, 8), tick=False):
        get(justice, f"/steps/{first_step(bundle).pk}/")
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        get(root, f"/admin/cases/bundle/{bundle.pk}/change/")

    answer = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).json()
    page = track_page(bundle.code)

    assert answer["accesses"] == [
        {"at": "2026-03-03T10:00:00+07:00", "office": "", "role": "admin", "channel": "admin", "kind": "open"},
        {"at": "2026-03-03T08:00:00+07:00", "office": JUSTICE, "role": "officer", "channel": "web", "kind": "open"},
        {"at": "2026-03-02T15:00:00+07:00", "office": "Bộ phận một cửa phường Trường Vinh", "role": "clerk",
         "channel": "pdf", "kind": "open"},
    ]  # fmt: skip
    rows = page.split('<table class="accesses">')[1].split("</table>")[0]
    assert "03/03/2026 10:00" in rows and "Quản trị" in rows
    assert f"03/03/2026 08:00</td><td>{JUSTICE}</td><td>" in rows and "Trang của cổng" in rows
    assert "Giấy tờ in (PDF)" in rows
    for name in ("clerk-own", justice.username, "root"):
        assert name not in rows and name not in str(answer)


def test_the_citizen_sees_at_most_50_reads(api, bundle, clerk):
    services.personal_data_access_record(user=clerk, bundles=[bundle] * 60, channel="web")

    answer = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).json()

    assert len(answer["accesses"]) == 50


# --- Issue 26 §5: the citizen's "who looked at my data" is a summary, the detail on request -------


def test_a_list_shows_the_dossier_and_a_page_opens_it_and_each_read_says_which(bundle, clerk, justice):
    get(clerk, "/clerk/")
    get(clerk, f"/bundles/{bundle.code}/")
    get(justice, "/queue/")
    get(justice, f"/steps/{first_step(bundle).pk}/")

    assert kinds() == [
        ("clerk-own", "web", "list"),
        ("clerk-own", "web", "open"),
        (justice.username, "web", "list"),
        (justice.username, "web", "open"),
    ]


def test_the_api_lists_record_list_reads_and_the_dossier_an_open_read(api, integration, bundle):
    api(integration).get("/api/v1/bundles/")
    api(integration).get(f"/api/v1/bundles/{bundle.code}/")

    assert kinds() == [("portal.integration", "api", "list"), ("portal.integration", "api", "open")]


@pytest.fixture
def busy(bundle, clerk, justice):
    """A day of normal work: the officer's queue showed the dossier 50 times in the morning, then
    the officer opened it; the desk had listed it 3 times and printed its receipt the day before."""
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        services.personal_data_access_record(user=clerk, bundles=[bundle] * 3, channel="web", kind="list")
    with time_machine.travel(at(2026, 3, 2, 16), tick=False):
        services.personal_data_access_record(user=clerk, bundles=[bundle], channel="pdf")
    for minute in range(50):
        with time_machine.travel(at(2026, 3, 3, 8, minute), tick=False):
            services.personal_data_access_record(user=justice, bundles=[bundle], channel="web", kind="list")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        get(justice, f"/steps/{first_step(bundle).pk}/")
    return bundle


DESK = "Bộ phận một cửa phường Trường Vinh"


def test_the_api_sums_up_the_reads_per_day_office_role_and_kind(api, busy):
    answer = api().get(f"/api/v1/track/{busy.code}/", {"id_last4": "1234"}).json()

    assert answer["accesses_summary"] == [
        {"day": "2026-03-03", "office": JUSTICE, "role": "officer", "kind": "open", "channel": "web", "count": 1},
        {"day": "2026-03-03", "office": JUSTICE, "role": "officer", "kind": "list", "channel": "web", "count": 50},
        {"day": "2026-03-02", "office": DESK, "role": "clerk", "kind": "open", "channel": "pdf", "count": 1},
        {"day": "2026-03-02", "office": DESK, "role": "clerk", "kind": "list", "channel": "web", "count": 3},
    ]
    assert answer["accesses_total"] == 55
    assert len(answer["accesses"]) == 50  # the detail, as before: the latest 50
    assert answer["accesses"][0] == {
        "at": "2026-03-03T09:00:00+07:00", "office": JUSTICE, "role": "officer", "channel": "web", "kind": "open",
    }  # fmt: skip


def test_the_tracking_page_shows_the_steps_then_one_row_per_day_office_role_and_kind(busy):
    page = track_page(busy.code)

    assert page.index('<th scope="col">Thủ tục</th>') < page.index('class="accesses reads-summary"')
    assert table(page, "accesses reads-summary") == [
        ["03/03/2026", JUSTICE, "Cán bộ chuyên môn", "Mở hồ sơ · Trang của cổng", "1"],
        ["03/03/2026", JUSTICE, "Cán bộ chuyên môn", "Thấy trong danh sách · Trang của cổng", "50"],
        ["02/03/2026", DESK, "Cán bộ một cửa", "Mở hồ sơ · Giấy tờ in (PDF)", "1"],
        ["02/03/2026", DESK, "Cán bộ một cửa", "Thấy trong danh sách · Trang của cổng", "3"],
    ]
    # The detail is there on request only: inside a closed <details>.
    detail = page.split('<details class="reads-detail">')[1].split("</details>")[0]
    assert len(table(detail, "accesses")) == 50
    assert table(detail, "accesses")[0] == [
        "03/03/2026 09:00",
        JUSTICE,
        "Cán bộ chuyên môn",
        "Mở hồ sơ · Trang của cổng",
    ]


@pytest.mark.parametrize("reads", [1, 60])
def test_the_tracking_page_and_api_cost_the_same_queries_for_1_or_60_reads(
    api, bundle, clerk, justice, reads, django_assert_num_queries
):
    services.personal_data_access_record(user=clerk, bundles=[bundle] * reads, channel="web", kind="list")
    services.personal_data_access_record(user=justice, bundles=[bundle] * reads, channel="web")

    # the dossier, its steps, the summary (grouped in the database), the number of reads, the latest 50
    with django_assert_num_queries(5):
        track_page(bundle.code)
    with django_assert_num_queries(5):
        assert api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).status_code == 200


def test_an_event_opened_in_the_administration_is_a_read_of_its_dossier(bundle, make_user):
    """Issue 28 (low): an event's page shows its reason and data; the events list is not a read."""
    from cases.models import Event

    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)
    get(root, "/admin/cases/event/")
    get(root, f"/admin/cases/event/{Event.objects.filter(bundle=bundle).first().pk}/change/")

    assert reads() == [(bundle.code, "root", "admin")]


def test_the_events_api_is_a_read_of_the_dossier(api, integration, bundle):
    answer = api(integration).get(f"/api/v1/bundles/{bundle.code}/events/")

    assert answer.status_code == 200 and len(answer.json()["results"]) == 2
    assert reads() == [(bundle.code, "portal.integration", "api")]
