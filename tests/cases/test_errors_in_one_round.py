"""Issue 26 §3 (and §7's return form): a refused form shows every error at its field in one round,
each message once: every section of a dossier is checked at once, an impossible date hides
nothing else, and an officer's missing tick is told with the empty fields, not before them."""

import re

import pytest
import time_machine

from agencies.choices import UserRole
from cases.choices import StepState
from cases.models import Bundle, Event
from tests.cases.conftest import at
from tests.cases.test_pages_clerk import BIRTH_FORM, DEATH_FORM, filed_birth, variant_id

pytestmark = pytest.mark.django_db

REQUIRED = "Trường này là bắt buộc."


@pytest.fixture
def clerk(client, make_user):
    user = make_user(UserRole.CLERK, commune="16690")
    client.force_login(user)
    return user


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


def summary(response) -> list[tuple[str, str]]:
    """The error summary's links: (id of the field, "label: message")."""
    block = response.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', block)


def at_fields(response) -> dict[str, list[str]]:
    """Each field's messages, as shown next to it."""
    return {
        field: re.findall(r"<li>([^<]+)</li>", items)
        for field, items in re.findall(r'id="(?:id_)?([\w-]+)-errors">(.*?)</ul>', response.content.decode(), re.S)
    }


def blank(client, kind: str, variant: str) -> dict[str, str]:
    """The intake form sent with nothing typed but the procedures asked for (and the channel and
    delivery the page starts with)."""
    return {"variant": variant_id(client, kind, variant), "channel": "direct", "delivery": "electronic"}


def test_a_blank_birth_form_shows_every_error_in_one_round_and_the_same_ones_when_sent_again(client, clerk, travel):
    every = "Khai sinh, thường trú, thẻ BHYT"
    first = client.post("/clerk/new/birth/", blank(client, "birth", every))
    again = client.post("/clerk/new/birth/", blank(client, "birth", every))

    assert first.status_code == 400
    assert [target for target, _text in summary(first)] == [
        "id_applicant-full_name",
        "id_applicant-id_number",
        "id_applicant-relationship",
        "id_child-full_name",
        "id_child-sex_0",
        "id_child-date_of_birth",
        "id_child-place_of_birth",
        "id_child-birth_certificate_number",
        "id_mother-full_name",
        "id_residence-address",
        "id_residence-household_head-full_name",
        "id_residence-household_head-id_number",
        "id_residence-household_head-relationship_to_child",
        "id_insurance-initial_clinic",
    ]
    assert all(text.endswith(": " + REQUIRED) for _target, text in summary(first))
    assert summary(again) == summary(first)
    assert all(messages == [REQUIRED] for messages in at_fields(first).values())
    assert Bundle.objects.count() == 0


def test_a_blank_death_form_shows_every_section_not_only_the_applicant(client, clerk, travel):
    every = "Khai tử, xóa thường trú, mai táng phí, tử tuất"
    response = client.post("/clerk/new/death/", blank(client, "death", every))

    assert response.status_code == 400
    assert [target for target, _text in summary(response)] == [
        "id_applicant-full_name",
        "id_applicant-id_number",
        "id_applicant-relationship",
        "id_deceased-full_name",
        "id_deceased-sex_0",
        "id_deceased-date_of_birth",
        "id_deceased-id_number",
        "id_deceased-date_of_death",
        "id_deceased-place_of_death",
        "id_deceased-last_residence",
        "id_death_notice-number",
        "id_death_notice-issuer",
        "id_death_notice-date",
        "id_survivor_benefit-mode_0",
        "id_funeral-social_insurance",
    ]
    assert Bundle.objects.count() == 0


def test_an_impossible_date_hides_no_other_error_and_is_told_once_without_repeating_its_label(client, clerk, travel):
    form = {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT")}
    form = {name: value for name, value in form.items() if not name.startswith(("mother-", "insurance-"))}
    form.update({"father-full_name": "Trần Văn Bình", "father-date_of_birth": "31/02/1994"})

    response = client.post("/clerk/new/birth/", form)

    assert response.status_code == 400
    assert summary(response) == [
        ("id_mother-full_name", "Mẹ – Họ, chữ đệm và tên: " + REQUIRED),
        ("id_father-date_of_birth", "Cha – Ngày sinh: Ngày 31/02/1994 không có thật: kiểm tra lại ngày và tháng."),
        ("id_insurance-initial_clinic", "Bảo hiểm y tế – Nơi đăng ký khám chữa bệnh ban đầu: " + REQUIRED),
    ]
    # Typed as dd/mm/yyyy: the format was right, the day does not exist (issue 26).
    assert at_fields(response)["father-date_of_birth"] == ["Ngày 31/02/1994 không có thật: kiểm tra lại ngày và tháng."]
    assert Bundle.objects.count() == 0


def test_an_impossible_date_of_death_form_is_told_as_a_day_that_does_not_exist(client, clerk, travel):
    form = {**DEATH_FORM, "variant": variant_id(client, "death", "Khai tử, xóa thường trú")}
    form["deceased-date_of_birth"] = "29/02/1950"

    response = client.post("/clerk/new/death/", form)

    assert response.status_code == 400
    assert summary(response) == [
        (
            "id_deceased-date_of_birth",
            "Người chết – Ngày sinh: Ngày 29/02/1950 không có thật: kiểm tra lại ngày và tháng.",
        )
    ]
    assert Bundle.objects.count() == 0


def test_a_date_in_another_format_is_still_asked_for_as_dd_mm_yyyy(client, clerk, travel):
    form = {**DEATH_FORM, "variant": variant_id(client, "death", "Khai tử, xóa thường trú")}
    form["deceased-date_of_birth"] = "12.04.1950"

    response = client.post("/clerk/new/death/", form)

    assert response.status_code == 400
    assert at_fields(response) == {"deceased-date_of_birth": ["Nhập ngày theo dạng dd/mm/yyyy, ví dụ 20/02/2026."]}
    assert Bundle.objects.count() == 0


@pytest.fixture
def step(clerk, officer, client, travel):
    bundle = filed_birth(clerk)
    client.force_login(officer("civil_status"))
    return bundle.steps.get(procedure_id="birth_registration")


def test_the_officers_completion_form_tells_the_missing_tick_with_the_empty_fields(client, step):
    response = client.post(f"/steps/{step.pk}/complete/", {"result-register_number": ""})

    assert response.status_code == 400
    assert at_fields(response) == {
        "result-register_number": [REQUIRED],
        "result-personal_id_number": [REQUIRED],
        "result-confirm": ["Hãy đánh dấu vào ô xác nhận: thao tác này không thể hoàn tác."],
    }
    step.refresh_from_db()
    assert (step.state, step.result) == (StepState.READY, None)


def test_the_empty_return_form_reports_each_error_once_at_its_field(client, step):
    events = Event.objects.count()

    response = client.post(f"/steps/{step.pk}/return/", {"return-reason": ""})

    assert response.status_code == 400
    assert at_fields(response) == {
        "return-reason": ["Ghi rõ lý do yêu cầu bổ sung."],
        "return-missing": ["Liệt kê ít nhất một giấy tờ còn thiếu."],
    }
    step.refresh_from_db()
    assert (step.state, Event.objects.count()) == (StepState.READY, events)


def test_the_empty_refusal_form_tells_the_reason_and_the_tick_together_once_each(client, step):
    response = client.post(f"/steps/{step.pk}/refuse/", {"refuse-reason": ""})

    assert response.status_code == 400
    assert at_fields(response) == {
        "refuse-reason": ["Ghi rõ lý do từ chối."],
        "refuse-confirm": ["Hãy đánh dấu vào ô xác nhận: thao tác này không thể hoàn tác."],
    }
    step.refresh_from_db()
    assert step.state == StepState.READY


def test_the_api_names_every_error_of_a_dossier_in_one_answer(api, integration):
    from tests.cases.conftest import birth

    response = api(integration).post(
        "/api/v1/bundles/",
        birth(child__sex="unknown", mother__id_number="040095001234", insurance=None, received_at=None),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "child.sex": ['"unknown" không phải là một lựa chọn hợp lệ.'],
        "mother.id_number": ["Chữ số thứ 4 (giới tính và thế kỷ) không khớp với nữ sinh năm 1995."],
        "insurance": [REQUIRED],
    }
    assert Bundle.objects.count() == 0


FUNERAL = "Khai tử, xóa thường trú, mai táng phí"


def funeral_box(response) -> list[str]:
    """The messages in the funeral questions' box."""
    box = response.content.decode().split('id="funeral-result"')[1].split("</div>")[0]
    return re.findall(r"<li>([^<]+)</li>", box)


def test_the_funeral_questions_left_unticked_ask_for_every_yes_as_the_help_does(client, clerk, travel):
    form = {**DEATH_FORM, "variant": variant_id(client, "death", FUNERAL)}

    response = client.post("/clerk/new/death/", form)

    tick = (
        "Đánh dấu mọi câu trả lời “có” (ít nhất một câu); nếu không câu nào đúng, "
        "hãy chọn nhóm thủ tục không có trợ cấp mai táng."
    )
    assert response.status_code == 400
    assert summary(response) == [("id_funeral-social_insurance", "Trợ cấp mai táng: " + tick)]
    assert funeral_box(response) == [tick]
    assert Bundle.objects.count() == 0


def test_funeral_questions_ticked_without_the_date_of_death_are_told_only_at_the_date(client, clerk, travel):
    form = {
        **DEATH_FORM,
        "variant": variant_id(client, "death", FUNERAL),
        "funeral-social_insurance": "on",
        "funeral-emergency": "on",
        "deceased-date_of_death": "",
    }

    response = client.post("/clerk/new/death/", form)

    assert response.status_code == 400
    # The category follows from the answers and the month of death: only the missing date is wrong.
    assert summary(response) == [("id_deceased-date_of_death", "Người chết – Ngày chết: " + REQUIRED)]
    assert at_fields(response) == {"deceased-date_of_death": [REQUIRED]}
    assert funeral_box(response) == []
    assert Bundle.objects.count() == 0
