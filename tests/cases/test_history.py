"""Issue 10 §5: an officer sees what they (or their office) finished: steps completed, returned for
documents or refused, newest first, with when and by whom; the queue's filters and keyset pages."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle, PersonalDataAccess, Step
from tests.cases.conftest import at, birth

pytestmark = pytest.mark.django_db

REGISTERED = {"register_number": "12/2026", "personal_id_number": "040326001122"}


@pytest.fixture
def desk(make_user):
    return make_user(UserRole.CLERK, commune="16690")


@pytest.fixture
def minh(client, make_user):
    """Trần Văn Minh of Justice, Phường Trường Vinh, signed in."""
    user = make_user(
        UserRole.OFFICER, agency_role="civil_status", username="minh", last_name="Trần", first_name="Văn Minh"
    )
    client.force_login(user)
    return user


@pytest.fixture
def lan(make_user):
    """Another officer of the same Justice office."""
    return make_user(UserRole.OFFICER, agency_role="civil_status", username="lan", last_name="Lê", first_name="Thị Lan")


def filed(desk, n: int) -> Bundle:
    data = birth(
        received_at=None, channel="direct", child__birth_certificate_number=f"H{n}", child__full_name=f"Trẻ Số {n}"
    )
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=desk, data=serializer.validated_data)[0]


def first(bundle: Bundle) -> Step:
    return bundle.steps.get(procedure_id="birth_registration")


def rows(page: str) -> list[tuple[str, ...]]:
    """(when, dossier, procedure, person, outcome, who) of each row."""
    found = re.findall(r'<tr id="event-\d+">(.*?)</tr>', page, re.S)
    return [
        tuple(
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", r, re.S)
        )
        for r in found
    ]


@pytest.fixture
def worked(desk, minh, lan, officer):
    """Minh completes dossier 1 on 2 March and returns dossier 2 on 3 March; Lan refuses dossier 3 on
    4 March; Minh only claims dossier 4; the Police complete their step of dossier 1."""
    with time_machine.travel(at(2026, 3, 2, 8), tick=False):
        bundles = [filed(desk, n) for n in (1, 2, 3, 4)]
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        services.step_complete(user=minh, step_pk=first(bundles[0]).pk, result=REGISTERED)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        services.step_return(
            user=minh, step_pk=first(bundles[1]).pk, reason="Thiếu", missing_documents=["Giấy chứng sinh"]
        )
    with time_machine.travel(at(2026, 3, 4, 10), tick=False):
        services.step_refuse(user=lan, step_pk=first(bundles[2]).pk, reason="Không đủ điều kiện")
        services.step_claim(user=minh, step_pk=first(bundles[3]).pk)
        police = bundles[0].steps.get(procedure_id="permanent_residence")
        services.step_complete(user=officer("residence"), step_pk=police.pk, result={"registration_number": "TT-1"})
    return bundles


def test_an_officer_sees_what_they_finished_newest_first_with_the_outcome(client, worked):
    page = client.get("/queue/history/").content.decode()

    returned = ("Yêu cầu bổ sung Giấy chứng sinh", "Trần Văn Minh")
    assert rows(page) == [
        ("03/03/2026 10:00", worked[1].code, "Đăng ký khai sinh", "Trẻ Số 2", *returned),
        ("02/03/2026 10:00", worked[0].code, "Đăng ký khai sinh", "Trẻ Số 1", "Đã hoàn thành", "Trần Văn Minh"),
    ]
    assert '<a href="?who=mine" aria-current="page">' in page


def test_the_switch_shows_the_whole_offices_work_and_nobody_elses(client, worked):
    page = client.get("/queue/history/", {"who": "office"}).content.decode()

    assert [(row[1], row[4], row[5]) for row in rows(page)] == [
        (worked[2].code, "Từ chối Không đủ điều kiện", "Lê Thị Lan"),
        (worked[1].code, "Yêu cầu bổ sung Giấy chứng sinh", "Trần Văn Minh"),
        (worked[0].code, "Đã hoàn thành", "Trần Văn Minh"),
    ]


def test_the_history_filters_by_outcome_procedure_and_deadline(client, worked):
    refused = client.get("/queue/history/", {"who": "office", "outcome": "refused"}).content.decode()
    residence = client.get("/queue/history/", {"who": "office", "procedure": "permanent_residence"}).content.decode()
    late = client.get("/queue/history/", {"who": "office", "timing": "late"}).content.decode()
    on_time = client.get("/queue/history/", {"who": "office", "timing": "on_time"}).content.decode()

    assert [row[1] for row in rows(refused)] == [worked[2].code]
    assert rows(residence) == []  # the Police's step is not this office's
    # The birth registration is due the day it is filed (2 March): the return and refusal came later.
    assert [row[1] for row in rows(late)] == [worked[2].code, worked[1].code]
    assert [row[1] for row in rows(on_time)] == [worked[0].code]


def test_another_office_and_other_roles_see_none_of_it(client, worked, officer, desk):
    client.force_login(officer("residence"))
    police = rows(client.get("/queue/history/", {"who": "office"}).content.decode())
    client.force_login(desk)
    clerk = client.get("/queue/history/")

    assert [(row[1], row[2], row[4]) for row in police] == [(worked[0].code, "Đăng ký thường trú", "Đã hoàn thành")]
    assert clerk.status_code == 403


def test_the_history_is_linked_from_the_queue_and_the_header(client, minh):
    page = client.get("/queue/").content.decode()

    assert re.findall(r'<a href="/queue/history/">([^<]+)</a>', page) == [
        "Bước đã xử lý",
        "Bước đã xử lý: của tôi và của cơ quan",
    ]


def test_the_history_runs_the_same_number_of_queries_for_1_and_50_rows(client, desk, minh):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/queue/history/", {"who": "office"}).status_code == 200
        return len(captured)

    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        queries()  # the first page of the process reads the procedures of the filter, kept a minute
        services.step_complete(user=minh, step_pk=first(filed(desk, 0)).pk, result=REGISTERED)
        one = queries()
        for n in range(1, 50):
            services.step_complete(user=minh, step_pk=first(filed(desk, n)).pk, result=REGISTERED)
        fifty = queries()
        page = client.get("/queue/history/", {"who": "office"}).content.decode()

    # user (the session is read from the cache), the page of events with their steps, dossiers,
    # procedures and people, the access record, the office; the filter's procedures are the process's
    assert (one, fifty) == (4, 4)
    assert len(rows(page)) == 50
    assert PersonalDataAccess.objects.filter(user=minh).count() == 1 + 50 + 50


def test_the_next_page_starts_after_the_last_row_and_keeps_the_switch(client, desk, minh):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        codes = []
        for n in range(52):
            bundle = filed(desk, n)
            services.step_complete(user=minh, step_pk=first(bundle).pk, result=REGISTERED)
            codes.append(bundle.code)
        page = client.get("/queue/history/", {"who": "office"}).content.decode()
        more = re.search(r'<a href="\?([^"]+)" hx-get', page).group(1).replace("&amp;", "&")
        second = client.get(f"/queue/history/?{more}", headers={"HX-Request": "true"}).content.decode()

    assert more.startswith("who=office&after=")
    assert [row[1] for row in rows(page) + rows(second)] == codes[::-1]
    assert "<html" not in second


def test_on_an_english_page_the_missing_documents_are_named_in_english(client, worked):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/queue/history/").content.decode()

    assert rows(page)[0][4].endswith("Medical birth certificate (giấy chứng sinh)")
