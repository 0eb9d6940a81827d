"""Issue 30 §3: notes between the offices working a dossier. Seen and written only by the dossier's
one-stop desk and the offices of its steps (404 for an office of another dossier, the citizen, the
partner that filed it, the province); append-only; the addressed office told once, through the
outbox; opening them a recorded read of the dossier, writing one not."""

import re

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from agencies.choices import UserRole
from cases import services
from cases.models import Bundle, Note, Notification, Outbox, PersonalDataAccess
from outbound.models import Delivery
from tests.cases.conftest import at, birth

pytestmark = pytest.mark.django_db

JUSTICE = "Tư pháp - Hộ tịch, UBND phường Trường Vinh"
POLICE = "Công an phường Trường Vinh"
DESK = "Bộ phận một cửa phường Trường Vinh"


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        yield


@pytest.fixture
def bundle(api, integration) -> Bundle:
    """A birth dossier of Phường Trường Vinh filed by a partner: civil status, police, insurance."""
    return Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])


@pytest.fixture
def justice(officer):
    return officer("civil_status")


@pytest.fixture
def police(officer):
    return officer("residence")


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, commune="16690", username="clerk", last_name="Nguyễn", first_name="Thị Hà")


def step_of(bundle: Bundle, procedure: str):
    return bundle.steps.get(procedure_id=procedure)


def to_police(bundle: Bundle) -> str:
    return str(step_of(bundle, "permanent_residence").office_id)


def written(api, user, bundle, **body):
    return api(user).post(f"/api/v1/bundles/{bundle.code}/notes/", body, format="json")


def test_an_officer_writes_to_the_police_and_both_offices_and_the_desk_read_it(api, bundle, justice, police, clerk):
    step = step_of(bundle, "birth_registration")
    justice.last_name, justice.first_name = "Trần", "Văn Minh"
    justice.save()

    sent = written(api, justice, bundle, text="Xin xác nhận địa chỉ thường trú.", to=to_police(bundle), step=step.pk)

    note = Note.objects.get()
    assert sent.status_code == 201
    assert sent.json() == {
        "id": note.pk,
        "at": "2026-03-02T15:00:00+07:00",
        "author": justice.username,
        "author_name": f"Trần Văn Minh ({JUSTICE})",
        "to": to_police(bundle),
        "to_name": POLICE,
        "step": step.pk,
        "text": "Xin xác nhận địa chỉ thường trú.",
    }
    for reader in (justice, police, clerk):
        answer = api(reader).get(f"/api/v1/bundles/{bundle.code}/notes/")
        assert answer.status_code == 200
        assert [row["text"] for row in answer.json()["results"]] == ["Xin xác nhận địa chỉ thường trú."]


@pytest.mark.parametrize("who", ["other_office", "citizen", "partner", "provincial", "other_desk"])
def test_nobody_outside_the_dossiers_offices_and_desk_sees_or_writes_notes(
    api, bundle, justice, officer, make_user, integration, who
):
    written(api, justice, bundle, text="Ghi chú nội bộ.", to="desk")
    outsider = {
        "other_office": lambda: officer("civil_status", commune="17329"),
        "citizen": lambda: make_user(UserRole.CITIZEN, username="lan", personal_id="040195001234"),
        "partner": lambda: integration,  # the system that filed the dossier
        "provincial": lambda: make_user(UserRole.PROVINCIAL),
        "other_desk": lambda: make_user(UserRole.CLERK, commune="17329"),
    }[who]()
    reads_before = PersonalDataAccess.objects.count()

    read = api(outsider).get(f"/api/v1/bundles/{bundle.code}/notes/")
    write = written(api, outsider, bundle, text="Chen vào.", to="desk")

    assert (read.status_code, write.status_code) == (404, 404)
    assert list(Note.objects.values_list("text", flat=True)) == ["Ghi chú nội bộ."]
    assert PersonalDataAccess.objects.count() == reads_before


def test_the_citizen_and_the_partner_never_see_a_note_in_the_dossier_or_its_trail(
    api, bundle, justice, make_user, integration
):
    deliveries = Delivery.objects.count()
    written(api, justice, bundle, text="Bí mật giữa các cơ quan.", to="desk")
    citizen = make_user(UserRole.CITIZEN, username="lan", personal_id="040195001234")

    partner_view = [
        api(integration).get(f"/api/v1/bundles/{bundle.code}/").content.decode(),
        api(integration).get(f"/api/v1/bundles/{bundle.code}/events/").content.decode(),
    ]
    client = Client()
    client.force_login(citizen)
    citizen_page = client.get(f"/citizen/dossiers/{bundle.code}/")

    assert citizen_page.status_code == 200
    assert all("Bí mật" not in text for text in [*partner_view, citizen_page.content.decode()])
    assert Delivery.objects.count() == deliveries  # neither the partner nor the national portal hears of it


def test_a_note_is_told_once_to_the_office_it_is_for(api, bundle, justice, police, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the worker delivers it after commit
        written(
            api, police, bundle, text="Đã xác minh cư trú.", to=str(step_of(bundle, "birth_registration").office_id)
        )
    message = Outbox.objects.get(topic="note.added")

    again = services.outbox_deliver(message_pk=message.pk)  # a second delivery (a restart, a retried task)

    assert again is False
    assert list(Notification.objects.filter(outbox__topic="note.added").values_list("recipient", "message")) == [
        (JUSTICE, f"Hồ sơ {bundle.code}: có ghi chú gửi quý cơ quan từ residence.16690.2026-03-02 ({POLICE})."),
    ]


def test_the_desk_is_addressed_as_the_desk_of_the_dossiers_commune(
    api, bundle, justice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        written(api, justice, bundle, text="Đề nghị bổ sung bản sao giấy chứng sinh.", to="desk")

    assert Note.objects.get().to_name == DESK
    assert Notification.objects.get(outbox__topic="note.added").recipient == DESK


def test_notes_are_append_only(api, bundle, justice):
    written(api, justice, bundle, text="Bản đầu.", to="desk")
    note = Note.objects.get()
    admin = site._registry[Note]
    request = RequestFactory().get("/admin/cases/note/")

    note.text = "Sửa lại."
    with pytest.raises(ValueError, match="append-only"):
        note.save()
    assert Note.objects.get().text == "Bản đầu."
    assert (admin.has_add_permission(request), admin.has_change_permission(request, note)) == (False, False)
    assert admin.has_delete_permission(request, note) is False
    url = f"/api/v1/bundles/{bundle.code}/notes/"
    client = api(justice)
    assert [client.put(url, {}).status_code, client.patch(url, {}).status_code, client.delete(url).status_code] == [
        405,
        405,
        405,
    ]


def test_opening_the_notes_is_a_read_of_the_dossier_and_writing_one_is_not(api, bundle, justice, police):
    PersonalDataAccess.objects.all().delete()  # the partner's filing answer

    written(api, justice, bundle, text="Một ghi chú.", to=to_police(bundle))
    after_writing = PersonalDataAccess.objects.count()
    api(police).get(f"/api/v1/bundles/{bundle.code}/notes/")

    assert after_writing == 0
    assert list(PersonalDataAccess.objects.values_list("bundle__code", "user__username", "channel", "kind")) == [
        (bundle.code, police.username, "api", "open"),
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"text": "  ", "to": "desk"}, {"text": ["Ghi chú: hãy viết nội dung ghi chú."]}),
        (
            {"text": "x" * 2001, "to": "desk"},
            {"text": ["Ghi chú: tối đa 2000 ký tự (ghi chú này có 2001)."]},
        ),
        (
            {"text": "Gửi chính mình.", "to": "own"},
            {"to": ["Gửi đến: hãy chọn bộ phận một cửa hoặc một cơ quan khác đang giải quyết hồ sơ này."]},
        ),
        (
            {"text": "Bước lạ.", "to": "desk", "step": 999999},
            {"step": ["Bước: hãy chọn một bước của hồ sơ này."]},
        ),
    ],
)
def test_a_bad_note_is_refused_naming_the_field_and_nothing_is_written(api, bundle, justice, body, errors):
    if body["to"] == "own":
        body = {**body, "to": str(justice.office_id)}

    answer = written(api, justice, bundle, **body)

    assert answer.status_code == 400
    assert answer.json()["errors"] == errors
    assert (Note.objects.count(), Outbox.objects.filter(topic="note.added").count()) == (0, 0)


def test_the_step_page_shows_the_notes_and_sends_one(api, bundle, justice, police, clerk):
    written(api, clerk, bundle, text="Công dân hỏi khi nào có kết quả.", to=to_police(bundle))
    step = step_of(bundle, "permanent_residence")
    client = Client()
    client.force_login(police)
    PersonalDataAccess.objects.all().delete()

    page = client.get(f"/steps/{step.pk}/").content.decode()
    sent = client.post(f"/steps/{step.pk}/notes/", {"note-to": "desk", "note-text": "Dự kiến xong ngày 05/03."})
    again = client.get(f"/steps/{step.pk}/").content.decode()

    notes = page.split('id="notes"')[1]
    assert "Công dân hỏi khi nào có kết quả." in notes
    assert f"Nguyễn Thị Hà ({DESK})</strong> → {POLICE}" in notes
    assert sent.status_code == 302 and sent["Location"] == f"/steps/{step.pk}/#notes"
    assert "Dự kiến xong ngày 05/03." in again.split('id="notes"')[1]
    assert Note.objects.order_by("pk").last().step_id == step.pk
    # Two openings of the step page, each one read; the notes read nothing more.
    assert list(PersonalDataAccess.objects.values_list("channel", "kind")) == [("web", "open"), ("web", "open")]


def test_the_step_page_refuses_an_empty_note_at_its_field(bundle, police):
    step = step_of(bundle, "permanent_residence")
    client = Client()
    client.force_login(police)

    answer = client.post(f"/steps/{step.pk}/notes/", {"note-to": "desk", "note-text": ""})

    form = answer.content.decode().split('id="notes"')[1]
    assert answer.status_code == 400
    assert re.search(r'<ul class="field-errors" id="id_note-text-errors"><li>([^<]+)</li>', form).group(1) == (
        "Ghi chú: hãy viết nội dung ghi chú."
    )
    assert Note.objects.count() == 0


def test_the_desk_writes_from_the_dossier_page_and_the_province_sees_no_notes(
    bundle, clerk, make_user, justice, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(clerk)
    step = step_of(bundle, "birth_registration")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/bundles/{bundle.code}/notes/",
            {
                "note-to": str(step.office_id),
                "note-step": str(step.pk),
                "note-text": "Giấy chứng sinh bản gốc đã nhận.",
            },
        )
    desk_page = client.get(f"/bundles/{bundle.code}/").content.decode()
    provincial = Client()
    provincial.force_login(make_user(UserRole.PROVINCIAL))
    province_page = provincial.get(f"/bundles/{bundle.code}/")

    assert sent.status_code == 302
    assert "Giấy chứng sinh bản gốc đã nhận." in desk_page.split('id="notes"')[1]
    assert province_page.status_code == 200
    assert 'id="notes"' not in province_page.content.decode()
    assert "Giấy chứng sinh bản gốc" not in province_page.content.decode()
    assert Notification.objects.get(outbox__topic="note.added").recipient == JUSTICE
