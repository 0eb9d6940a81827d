"""Issue 10 §4: a dossier returned for missing documents is seen as waiting for them, with the day
the wait ends, at the desk (counter, filter, row) and by the citizen (tracking page and API)."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle
from tests.cases.conftest import at, birth

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


@pytest.fixture
def clerk(client, make_user):
    user = make_user(UserRole.CLERK, commune="16690")
    client.force_login(user)
    return user


def filed(clerk, n: int) -> Bundle:
    serializer = BundleCreateSerializer(
        data=birth(received_at=None, channel="direct", child__birth_certificate_number=f"W{n}")
    )
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=clerk, data=serializer.validated_data)[0]


def returned(bundle: Bundle, officer, documents: list[str]) -> None:
    """Justice returns the birth registration on Monday 2 March 2026: the wait (supplement.wait, 7
    working days from the next working day) ends on Wednesday 11 March."""
    services.step_return(
        user=officer("civil_status"),
        step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
        reason="Giấy chứng sinh của cháu Trần Minh An bị mờ, số 040195001234",
        missing_documents=documents,
    )


def counts(page: str) -> dict[str, int]:
    return {label.strip(): int(number) for number, label in re.findall(r"<strong>(\d+)</strong>([^<]+)</a>", page)}


def row_of(page: str, code: str) -> str:
    return re.search(rf'<tr class="[^"]*">\s*<td><a class="code" href="/bundles/{code}/">.*?</tr>', page, re.S).group(0)


def test_the_desk_counts_and_filters_the_dossiers_waiting_for_documents(client, clerk, officer, travel):
    waiting = filed(clerk, 1)
    working = filed(clerk, 2)
    returned(waiting, officer, ["Giấy chứng sinh"])

    everything = client.get("/clerk/").content.decode()
    filtered = client.get("/clerk/", {"timing": "waiting"}).content.decode()

    assert counts(everything) == {
        "đang giải quyết": 2,
        "quá hạn": 0,
        "sắp đến hạn": 0,
        "chờ bổ sung giấy tờ": 1,
        "kết quả chờ trả": 0,
        "tổng cộng": 2,
    }
    assert re.findall(r'href="/bundles/([^/]+)/"', filtered) == [waiting.code]
    assert '<option value="waiting" selected>Chờ bổ sung giấy tờ</option>' in filtered
    assert working.code in everything


def test_a_waiting_dossiers_row_says_so_with_the_day_the_wait_ends_and_no_countdown(client, clerk, officer, travel):
    waiting = filed(clerk, 1)
    working = filed(clerk, 2)
    returned(waiting, officer, ["Giấy chứng sinh"])

    page = client.get("/clerk/").content.decode()

    waiting_row, working_row = row_of(page, str(waiting.code)), row_of(page, str(working.code))
    assert re.findall(r"<span[^>]*>([^<]+)</span>", waiting_row) == ["Chờ bổ sung giấy tờ"]
    assert re.search(r'<small class="documents-due">([^<]+)</small>', waiting_row).group(1) == "đến hết 11/03/2026"
    assert "ngày làm việc" not in waiting_row
    assert re.findall(r"<span[^>]*>([^<]+)</span>", working_row) == ["Đang giải quyết", "còn 2 ngày làm việc"]


def test_the_desks_list_keeps_its_query_count_with_waiting_dossiers(client, clerk, officer, travel):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/clerk/").status_code == 200
        return len(captured)

    queries()  # the first page of the process also reads what it keeps for a minute (its offices)
    returned(filed(clerk, 0), officer, ["Giấy chứng sinh"])
    one = queries()
    for n in range(1, 50):
        bundle = filed(clerk, n)
        if n % 2:
            returned(bundle, officer, ["Giấy chứng sinh"])
    fifty = queries()

    assert (one, fifty) == (5, 5)  # as tests/cases/test_pages_clerk.py counts them


def test_the_tracking_page_lists_the_missing_documents_and_the_last_day_without_personal_data(
    client, clerk, officer, travel
):
    bundle = filed(clerk, 1)
    returned(bundle, officer, ["Giấy chứng sinh", "Tờ khai đăng ký khai sinh", "Bản sao sổ hộ khẩu của Trần Văn Bình"])
    client.logout()

    page = client.post("/track/", {"code": bundle.code, "id_last4": "1234"}).content.decode()

    box = re.search(r'<div class="documents-missing warning-box">(.*?)</div>', page, re.S).group(1)
    assert re.search(r"<h3>([^<]+)</h3>", box).group(1) == "Giấy tờ còn thiếu cho bước Đăng ký khai sinh"
    assert re.findall(r"<li>([^<]+)</li>", box) == [
        "Giấy chứng sinh",
        "Tờ khai đăng ký khai sinh",
        "Giấy tờ khác (hỏi bộ phận một cửa)",
    ]
    assert "11/03/2026" in re.search(r"<p>(.*?)</p>", box, re.S).group(1)
    for personal in ("Trần Minh An", "Trần Văn Bình", "040195001234", "bị mờ", "Nguyễn Thị Lan"):
        assert personal not in page


def test_an_online_dossiers_tracking_page_offers_to_send_the_documents_online(
    client, clerk, officer, api, integration, travel
):
    """Issue 26: an online filer was told to bring the documents to the desk, though their page
    in the citizen area takes them online."""
    code = api(integration).post("/api/v1/bundles/", birth(channel="online", received_at=None), format="json")
    bundle = Bundle.objects.get(code=code.json()["code"])
    returned(bundle, officer, ["Giấy chứng sinh"])
    client.logout()

    page = client.post("/track/", {"code": bundle.code, "id_last4": "1234"}).content.decode()

    box = re.search(r'<div class="documents-missing warning-box">(.*?)</div>', page, re.S).group(1)
    said = " ".join(re.sub(r"<[^>]+>", "", re.search(r"<p>(.*?)</p>", box, re.S).group(1)).split())
    assert said == (
        "Nộp trực tuyến tại hồ sơ của bạn trên trang công dân (đăng nhập bằng định danh điện tử), hoặc nộp "
        "tại bộ phận một cửa, chậm nhất ngày 11/03/2026; quá ngày đó bước này bị từ chối."
    )
    assert f'href="/citizen/dossiers/{bundle.code}/"' in box


def test_the_tracking_api_adds_the_missing_documents_and_the_last_day(api, clerk, officer, travel):
    bundle = filed(clerk, 1)
    returned(bundle, officer, ["Giấy chứng sinh", "Giấy tờ của Trần Văn Bình"])

    body = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).json()

    assert [
        (s["procedure"], s["state"], s["due_date"], s["missing_documents"], s["supplement_deadline"])
        for s in body["steps"]
    ] == [
        (
            "birth_registration",
            "returned",
            "2026-03-02",
            ["Giấy chứng sinh", "Giấy tờ khác (hỏi bộ phận một cửa)"],
            "2026-03-11",
        ),
        ("permanent_residence", "waiting", None, [], None),
        ("health_insurance_card", "waiting", None, [], None),
    ]
    assert set(body) == {
        "code", "kind", "state", "received_at", "due_date", "steps", "accesses", "accesses_summary", "accesses_total",
    }  # fmt: skip
    assert "Trần Văn Bình" not in str(body) and "bị mờ" not in str(body)


def test_once_the_documents_arrive_the_dossier_is_no_longer_waiting(client, clerk, officer, api, travel):
    bundle = filed(clerk, 1)
    returned(bundle, officer, ["Giấy chứng sinh"])

    services.bundle_supplement(user=clerk, code=str(bundle.code), note="Đã nộp")

    assert counts(client.get("/clerk/").content.decode())["chờ bổ sung giấy tờ"] == 0
    step = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).json()["steps"][0]
    assert (step["state"], step["missing_documents"], step["supplement_deadline"]) == ("ready", [], None)


def test_on_the_english_tracking_page_the_missing_documents_are_named_in_english(client, clerk, officer, travel):
    bundle = filed(clerk, 1)
    returned(bundle, officer, ["Giấy chứng sinh", "Bản sao sổ hộ khẩu của Trần Văn Bình"])
    client.logout()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.post("/track/", {"code": bundle.code, "id_last4": "1234"}).content.decode()

    box = re.search(r'<div class="documents-missing warning-box">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r"<li>([^<]+)</li>", box) == [
        "Medical birth certificate (giấy chứng sinh)",
        "Another document (ask the one-stop desk which)",
    ]
