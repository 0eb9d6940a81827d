"""The citizen's own area: what a citizen signed in with e-ID sees and does. The sign-in itself
(the OIDC flow against a real provider) is tested in test_signin.py; here the session holds what
that sign-in leaves (citizens.signin), so each page's rules are tested on their own."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from agencies.models import User
from cases import services
from cases.choices import Action, BundleState, Channel, Source, StepState
from cases.models import Attachment, Bundle, Event, Step
from citizens import signin
from portal.errors import Forbidden, Invalid
from tests.cases.conftest import at, birth
from tests.pdfs import signed_get
from tests.scans import PDF

pytestmark = pytest.mark.django_db

LAN = "040195001234"  # Nguyễn Thị Lan, the mother in tests.cases.conftest.BIRTH
CITIZEN_LIST_QUERIES = 4  # the user, the page of dossiers, the record of who saw them, the hospital notices offered
# The dossier's page, of which 3 say who viewed it: the summary, the number of reads, the latest 50.
CITIZEN_DOSSIER_QUERIES = 11

BIRTH_FORM = {
    "commune": "16690",
    "delivery": "electronic",
    "applicant-full_name": "Nguyễn Thị Lan",
    "applicant-id_number": LAN,
    "applicant-relationship": "mẹ",
    "applicant-phone": "0912345678",
    "child-full_name": "Trần Minh An",
    "child-sex": "female",
    "child-date_of_birth": "2026-02-20",
    "child-place_of_birth": "Bệnh viện Sản Nhi Nghệ An",
    "child-ethnicity": "Kinh",
    "child-nationality": "VN",
    "child-birth_certificate_number": "CS-2026-000123",
    "mother-full_name": "Nguyễn Thị Lan",
    "mother-date_of_birth": "1995-05-01",
    "mother-id_number": LAN,
    "insurance-initial_clinic": "Trạm y tế phường Trường Vinh",
}


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


def citizen_user(personal_id: str = LAN) -> User:
    user = User.objects.create(username=f"c{personal_id}", role=UserRole.CITIZEN, personal_id=personal_id)
    user.set_unusable_password()
    user.save()
    return user


def sign_in(client, user: User, level: str = "2") -> None:
    """What an e-ID sign-in leaves: the account logged in, the level and claims in the session."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[signin.SESSION_ACR] = level
    session[signin.SESSION_CLAIMS] = {"name": "Nguyễn Thị Lan", "personal_id": user.personal_id}
    session.save()


@pytest.fixture
def lan(client):
    user = citizen_user()
    sign_in(client, user)
    return user


def desk_filed(make_user, **changes) -> Bundle:
    clerk = User.objects.filter(role=UserRole.CLERK).first() or make_user(UserRole.CLERK)
    data = birth(channel="direct", received_at=None, **changes)
    return services.bundle_file(user=clerk, data=_typed(data))[0]


def _typed(data):
    from cases.api.serializers import BundleCreateSerializer

    checked = BundleCreateSerializer(data=data)
    assert checked.is_valid(), checked.errors
    return checked.validated_data


def variant_id(client, name):
    page = client.get("/citizen/file/birth/").content.decode()
    return re.search(rf'value="(\d+)"[^>]*>\s*{re.escape(name)}\s*<', page).group(1)


def test_without_a_session_the_area_sends_the_citizen_to_sign_in_with_e_id(client):
    response = client.get("/citizen/")

    assert response.status_code == 302
    assert response["Location"] == "/oidc/authenticate/?next=%2Fcitizen%2F"


def test_staff_signed_in_with_a_password_are_not_citizens_here(client, make_user):
    client.force_login(make_user(UserRole.CLERK))

    assert client.get("/citizen/").status_code == 403


def test_a_citizen_sees_only_the_dossiers_where_they_are_the_applicant(client, make_user, lan, travel):
    mine = desk_filed(make_user)
    other = desk_filed(
        make_user,
        applicant__id_number="040093005678",
        applicant__full_name="Trần Văn Bình",
        child__birth_certificate_number="CS-2026-000999",
    )

    page = client.get("/citizen/").content.decode()

    assert mine.code in page and other.code not in page
    assert client.get(f"/citizen/dossiers/{mine.code}/").status_code == 200
    assert client.get(f"/citizen/dossiers/{other.code}/").status_code == 404
    assert client.get(f"/citizen/dossiers/{other.code}/receipt.pdf").status_code == 404
    assert list(Bundle.objects.restrict(lan).values_list("code", flat=True)) == [mine.code]


def test_the_citizen_cannot_use_the_desks_pages(client, make_user, lan, travel):
    bundle = desk_filed(make_user)

    assert client.get("/clerk/").status_code == 403
    assert client.get(f"/bundles/{bundle.code}/").status_code == 403
    assert client.get("/queue/").status_code == 403


def test_a_birth_dossier_filed_online_enters_the_same_queue_with_the_same_clock(client, lan, travel):
    form = {**BIRTH_FORM, "variant": variant_id(client, "Khai sinh, thẻ BHYT")}

    review = client.post("/citizen/file/birth/", form)

    assert review.status_code == 200
    page = review.content.decode()
    assert "Tư pháp - Hộ tịch, UBND phường Trường Vinh" in page
    assert "04/03/2026" in page  # 3 working days, as at the desk
    assert Bundle.objects.count() == 0
    signed = re.search(r'name="payload" value="([^"]+)"', page).group(1)

    filed = client.post(
        "/citizen/file/birth/",
        {
            "action": "file",
            "payload": signed,
            "document-1-kind": "Giấy chứng sinh",
            "document-1-file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )

    bundle = Bundle.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/citizen/dossiers/{bundle.code}/"
    assert (bundle.channel, bundle.source, bundle.filed_by, bundle.applicant_id_number) == (
        Channel.ONLINE,
        Source.CITIZEN,
        lan,
        LAN,
    )
    assert list(bundle.steps.values_list("procedure_id", "state", "office__name", "due_date")) == [
        ("birth_registration", StepState.READY, "Tư pháp - Hộ tịch, UBND phường Trường Vinh", at(2026, 3, 2).date()),
        ("health_insurance_card", StepState.WAITING, "Bảo hiểm xã hội cơ sở Vinh", None),
    ]
    assert list(Attachment.objects.values_list("kind", "uploaded_by")) == [("Giấy chứng sinh", lan.pk)]
    assert Event.objects.filter(bundle=bundle, action=Action.FILED, actor=lan).count() == 1


def test_the_form_starts_with_the_applicant_from_the_e_id_and_keeps_it(client, lan, travel):
    page = client.get("/citizen/file/birth/").content.decode()

    assert 'value="Nguyễn Thị Lan"' in page and f'value="{LAN}"' in page
    # Another person's number sent anyway: the dossier is still the signed-in citizen's.
    form = {**BIRTH_FORM, "variant": variant_id(client, "Khai sinh, thẻ BHYT"), "applicant-id_number": "040093005678"}
    review = client.post("/citizen/file/birth/", form).content.decode()
    assert f"<dd>{LAN}</dd>" in review and "040093005678" not in review


def test_the_citizens_form_starts_with_the_ethnicity_and_nationality_the_desk_starts_with(
    client, make_user, lan, travel
):
    """Issue 26 §7.4: the same defaults as the desk's form, which the citizen may change."""
    desk = Client()
    desk.force_login(make_user(UserRole.CLERK))

    pages = {"desk": desk.get("/clerk/new/birth/").content.decode()}
    pages["citizen"] = client.get("/citizen/file/birth/").content.decode()
    changed = client.post(
        "/citizen/file/birth/",
        {**BIRTH_FORM, "variant": variant_id(client, "Khai sinh, thẻ BHYT"), "child-ethnicity": "Thái"},
    ).content.decode()

    for page in pages.values():
        assert re.search(r'name="child-ethnicity" value="([^"]*)"', page).group(1) == "Kinh"
        assert re.search(r'name="child-nationality" value="([^"]*)"', page).group(1) == "VN"
    assert "<dt>Dân tộc</dt><dd>Thái</dd>" in changed


def test_a_level_1_sign_in_may_track_but_not_file(client, make_user, travel):
    user = citizen_user()
    sign_in(client, user, level="1")
    desk_filed(make_user)

    home = client.get("/citizen/").content.decode()
    assert 'id="track-only"' in home and "/citizen/file/birth/" not in home
    assert client.get("/citizen/file/birth/").status_code == 403
    assert client.post("/citizen/file/birth/", BIRTH_FORM).status_code == 403
    data = _typed(birth(channel="online", received_at=None, commune="16690"))
    with pytest.raises(Forbidden):
        services.bundle_file(user=user, data=data, assurance="1")
    assert Bundle.objects.filter(filed_by=user).count() == 0


def test_a_level_1_sign_in_opening_the_filing_page_is_asked_to_sign_in_again_at_level_2(client, settings, travel):
    """Issue 26 §7.5: not the generic 403 ("ask the administrator") but what to do, and a button
    that asks the identity provider for a level-2 sign-in and comes back to the page."""
    settings.OIDC_ACR_FILING = frozenset({"2", "3"})
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example.gov.vn/o/authorize/"
    sign_in(client, citizen_user(), level="1")

    response = client.get("/citizen/file/birth/")
    posted = client.post("/citizen/file/birth/", BIRTH_FORM)
    again = client.get(re.search(r'<a class="button primary" href="([^"]+)"', response.content.decode()).group(1))

    page = response.content.decode()
    assert (response.status_code, posted.status_code) == (403, 403)
    assert re.search(r"<h1 id=\"level-needed-title\">([^<]+)</h1>", page).group(1) == (
        "Cần tài khoản định danh điện tử mức độ 2 để nộp hồ sơ"
    )
    assert re.search(r'<a class="button primary" href="([^"]+)">([^<]+)</a>', page).groups() == (
        "/citizen/sign-in/level-2/?next=%2Fcitizen%2Ffile%2Fbirth%2F",
        "Đăng nhập lại bằng định danh điện tử mức độ 2",
    )
    assert "quản trị viên" not in page and 'href="/citizen/"' in page
    location = urlsplit(again["Location"])
    query = parse_qs(location.query)
    assert again.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == settings.OIDC_OP_AUTHORIZATION_ENDPOINT
    assert (query["acr_values"], query["prompt"]) == (["2 3"], ["login"])
    assert client.session["oidc_login_next"] == "/citizen/file/birth/"
    assert Bundle.objects.count() == 0


def test_the_service_files_a_citizens_dossier_only_online_and_only_as_themselves(lan, travel):
    data = birth(channel="direct", applicant__id_number="040093005678", received_at=None)

    with pytest.raises(Invalid) as refused:
        services.bundle_preview(user=lan, data=_typed(data), assurance="2")

    assert refused.value.errors == {
        "channel": ["Hồ sơ nộp tại khu vực của công dân là hồ sơ trực tuyến."],
        "applicant.id_number": ["Bạn nộp hồ sơ với tư cách người yêu cầu: đây phải là số định danh của chính bạn."],
    }


@pytest.fixture
def returned(make_user, officer, lan, travel):
    bundle = desk_filed(make_user)
    step = bundle.steps.get(procedure_id="birth_registration")
    clerk_officer = officer("civil_status")
    services.step_claim(user=clerk_officer, step_pk=step.pk)
    services.step_return(
        user=clerk_officer, step_pk=step.pk, reason="Bản chụp mờ", missing_documents=["Giấy chứng sinh"]
    )
    return bundle


def test_the_citizen_sees_what_is_missing_and_by_when_and_supplies_it_online(client, lan, returned):
    step = returned.steps.get(procedure_id="birth_registration")
    page = client.get(f"/citizen/dossiers/{returned.code}/").content.decode()
    assert "Giấy chứng sinh" in page and "Bản chụp mờ" in page
    assert step.supplement_deadline.strftime("%d/%m/%Y") in page

    sent = client.post(
        f"/citizen/dossiers/{returned.code}/supply/",
        {
            "supply-1-kind": "Giấy chứng sinh",
            "supply-1-file": SimpleUploadedFile("gcs.pdf", PDF, content_type="application/pdf"),
            "note": "Bản rõ",
        },
    )

    assert sent.status_code == 302
    step.refresh_from_db()
    assert step.state == StepState.READY and step.clock_starts_on == at(2026, 3, 2).date()
    assert list(returned.attachments.values_list("kind", "uploaded_by")) == [("Giấy chứng sinh", lan.pk)]
    assert list(returned.events.filter(actor=lan).values_list("action", "step__procedure_id").order_by("pk")) == [
        (Action.ATTACHED, None),
        (Action.SUPPLEMENTED, "birth_registration"),
        (Action.RESCHEDULED, None),  # the wait had moved the appointment; the new clock gives it back
    ]


def test_a_supply_without_a_file_or_with_a_bad_file_changes_nothing(client, lan, returned):
    events = returned.events.count()

    empty = client.post(f"/citizen/dossiers/{returned.code}/supply/", {"supply-1-kind": "Giấy chứng sinh"})
    bad = client.post(
        f"/citizen/dossiers/{returned.code}/supply/",
        {
            "supply-1-kind": "Giấy chứng sinh",
            "supply-1-file": SimpleUploadedFile("gcs.pdf", b"not a pdf", content_type="application/pdf"),
        },
    )

    assert (empty.status_code, bad.status_code) == (400, 400)
    assert "Chọn tệp bản quét." in empty.content.decode()
    assert 'id="supply-1-errors"' in bad.content.decode()
    assert returned.steps.get(procedure_id="birth_registration").state == StepState.RETURNED
    assert (returned.attachments.count(), returned.events.count()) == (0, events)


def test_a_refused_supply_scan_is_refused_at_its_slot_and_the_types_stay_chosen(client, lan, returned):
    """Issue 26 §7.3, on the page that supplies missing documents too."""
    response = client.post(
        f"/citizen/dossiers/{returned.code}/supply/",
        {
            "supply-1-kind": "Giấy tờ khác",
            "supply-1-file": SimpleUploadedFile("khac.pdf", PDF, content_type="application/pdf"),
            "supply-2-kind": "Giấy chứng sinh",
            "supply-2-file": SimpleUploadedFile("gcs.pdf", b"not a pdf", content_type="application/pdf"),
        },
    )

    page = response.content.decode()
    slots = {row: page.split(f'id="supply-{row}"')[1].split("</fieldset>")[0] for row in (1, 2, 3)}
    assert response.status_code == 400
    assert [re.findall(r'<option value="([^"]+)" selected>', slots[row]) for row in (1, 2, 3)] == [
        ["Giấy tờ khác"],
        ["Giấy chứng sinh"],
        [],
    ]
    assert ["field-errors" in slots[row] for row in (1, 2, 3)] == [False, True, False]
    assert re.search(r'<label for="supply-2-file">[^<]+</label>\s*<ul class="field-errors" id="supply-2-errors">', page)
    assert returned.attachments.count() == 0


def test_the_receipt_and_the_request_for_documents_are_the_citizens_to_download(
    client, lan, returned, signing, officer
):
    signing(unit=returned.commune)
    signing(user=officer("civil_status"))  # the officer who returned it signs the request
    receipt = signed_get(client, f"/citizen/dossiers/{returned.code}/receipt.pdf")
    request = signed_get(client, f"/citizen/dossiers/{returned.code}/supplement-request.pdf")

    assert (receipt.status_code, receipt["Content-Type"]) == (200, "application/pdf")
    assert (request.status_code, request["Content-Type"]) == (200, "application/pdf")
    assert client.get(f"/citizen/dossiers/{returned.code}/refusal.pdf").status_code == 404


def test_my_dossiers_cost_the_same_queries_for_one_dossier_or_many(client, make_user, lan, travel):
    desk_filed(make_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/citizen/").status_code == 200
        return len(captured)

    one = queries()
    for number in range(2, 6):
        desk_filed(make_user, child__birth_certificate_number=f"CS-2026-00090{number}")
    assert Bundle.objects.restrict(lan).count() == 5
    assert queries() == one == CITIZEN_LIST_QUERIES


def test_a_finished_dossier_is_not_offered_for_supply(client, lan, returned):
    Step.objects.filter(bundle=returned).update(state=StepState.DONE)
    Bundle.objects.filter(pk=returned.pk).update(state=BundleState.COMPLETED)

    sent = client.post(
        f"/citizen/dossiers/{returned.code}/supply/",
        {"supply-1-kind": "Giấy chứng sinh", "supply-1-file": SimpleUploadedFile("g.pdf", PDF, "application/pdf")},
    )

    assert sent.status_code == 302
    assert returned.attachments.count() == 0


def test_a_death_dossier_online_asks_the_funeral_questions_for_the_chosen_commune(client, travel):
    from tests.cases.test_pages_clerk import DEATH_FORM

    sign_in(client, citizen_user("040080004321"))
    page = client.get("/citizen/file/death/").content.decode()
    variant = re.search(r'value="(\d+)"[^>]*>\s*Khai tử, xóa thường trú, mai táng phí\s*<', page).group(1)
    form = {
        **DEATH_FORM,
        "commune": "16690",
        "variant": variant,
        "funeral-social_insurance": "on",
        "funeral-emergency": "on",
    }

    answer = client.post("/citizen/file/death/part/", form, headers={"HX-Request": "true"})
    review = client.post("/citizen/file/death/", form)

    assert 'hx-post="/citizen/file/death/part/"' in page
    text = re.sub(r"<[^>]+>", "", answer.content.decode())
    assert "Trợ giúp khẩn cấp" in text and "25.000.000 đồng" in text and "UBND phường Trường Vinh" in text
    assert review.status_code == 200, re.findall(r'id="([^"]*-errors)"', review.content.decode())
    assert "25.000.000 đồng" in review.content.decode()


# --- Issue 26 §5: who viewed my dossier, summed up, after the steps ------------------------------


def summary_rows(page: str) -> list[list[str]]:
    body = page.split('<table class="accesses reads-summary">')[1].split("</table>")[0].split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("<tr")[1:]]


def test_my_dossier_shows_who_viewed_it_summed_up_after_the_steps(client, make_user, lan, travel):
    bundle = desk_filed(make_user)
    clerk = User.objects.get(role=UserRole.CLERK)
    services.personal_data_access_record(user=clerk, bundles=[bundle] * 50, channel="web", kind="list")
    services.personal_data_access_record(user=clerk, bundles=[bundle], channel="web")

    page = client.get(f"/citizen/dossiers/{bundle.code}/").content.decode()

    assert page.index("<h2>Các bước</h2>") < page.index('<h2 id="reads-title">')
    assert summary_rows(page) == [
        ["02/03/2026", "—", "Công dân", "Mở hồ sơ · Trang của cổng", "1"],  # this page, just now
        ["02/03/2026", "Bộ phận một cửa phường Trường Vinh", "Cán bộ một cửa", "Mở hồ sơ · Trang của cổng", "1"],
        ["02/03/2026", "Bộ phận một cửa phường Trường Vinh", "Cán bộ một cửa", "Thấy trong danh sách · Trang của cổng",
         "50"],
    ]  # fmt: skip
    detail = page.split('<details class="reads-detail">')[1].split("</details>")[0]
    assert detail.count("<tr>") == 1 + 50  # the header, then the latest 50 reads


def test_my_dossier_costs_the_same_queries_for_1_or_60_reads(client, make_user, lan, travel):
    bundle = desk_filed(make_user)
    clerk = User.objects.get(role=UserRole.CLERK)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/citizen/dossiers/{bundle.code}/").status_code == 200
        return len(captured)

    one = queries()
    services.personal_data_access_record(user=clerk, bundles=[bundle] * 60, channel="web", kind="list")

    assert queries() == one == CITIZEN_DOSSIER_QUERIES


def test_a_level_1_sign_in_follows_a_returned_dossier_but_does_not_supply_it(client, returned):
    """Issue 28 (low): docs/integrations.md says level 1 only follows; it could still supply scans and so
    reopen the returned steps. Now the page says what to do instead, the form is not offered, the
    POST is 403 and the service refuses, and nothing changes."""
    user = User.objects.get(personal_id="040195001234")
    sign_in(client, user, level="1")
    events = returned.events.count()

    page = client.get(f"/citizen/dossiers/{returned.code}/").content.decode()
    sent = client.post(
        f"/citizen/dossiers/{returned.code}/supply/",
        {"supply-1-kind": "Giấy chứng sinh", "supply-1-file": SimpleUploadedFile("g.pdf", PDF, "application/pdf")},
    )

    assert 'id="supply-level"' in page and 'action="/citizen/dossiers/' not in page
    assert sent.status_code == 403
    with pytest.raises(Forbidden):
        services.bundle_supplement(user=user, code=returned.code, note="", assurance="1")
    assert returned.events.count() == events and returned.attachments.count() == 0
    assert returned.steps.get(procedure_id="birth_registration").state == StepState.RETURNED
