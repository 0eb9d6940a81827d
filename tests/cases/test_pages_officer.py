"""An officer's pages (queue, step) and the citizen's tracking page."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from agencies.models import User
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.choices import Action, StepState
from cases.models import Bundle, Step
from tests.cases.conftest import at, birth, death
from tests.pdfs import signed_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(make_user):
    return make_user(UserRole.CLERK, commune="16690")


@pytest.fixture
def justice(client, officer):
    user = officer("civil_status")
    client.force_login(user)
    return user


def file(desk, n: int = 0, **changes) -> Bundle:
    serializer = BundleCreateSerializer(
        data=birth(received_at=None, child__birth_certificate_number=f"CS-{n}", **{"channel": "direct", **changes})
    )
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=desk, data=serializer.validated_data)[0]


def first_step(bundle: Bundle) -> Step:
    return bundle.steps.get(procedure_id="birth_registration")


def buttons(page: str) -> list[str]:
    actions = page.split('id="actions-title"')[1].split("</section>")[0]  # the notes' button is not an action
    return re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', actions)


def test_the_queue_runs_the_same_number_of_queries_for_1_and_50_steps(client, justice, desk, travel):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/queue/").status_code == 200
        return len(captured)

    queries()  # the first page of the process reads the procedures, which it keeps for a minute
    file(desk, 0)
    one = queries()
    for n in range(1, 50):
        file(desk, n)
    fifty = queries()
    page = client.get("/queue/").content.decode()

    # user (the session is read from the cache), the page of steps, their dossiers, the access record,
    # the office; the procedures (of the rows and of the filter) are the process's
    assert (one, fifty) == (5, 5)
    assert len(re.findall(r'<tr id="step-\d+"', page)) == 50


def test_claiming_from_the_queue_with_htmx_swaps_only_that_row(client, justice, desk, travel):
    step = first_step(file(desk))

    response = client.post(f"/queue/{step.pk}/claim/", headers={"HX-Request": "true"})

    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="step-{step.pk}"')
    assert "Đang xử lý" in row and ">Trả lại hàng đợi<" in row and ">Nhận xử lý<" not in row
    step.refresh_from_db()
    assert (step.state, step.claimant) == (StepState.IN_PROGRESS, justice)


def test_without_htmx_the_queue_goes_back_to_the_page_it_was_on_and_never_off_the_site(client, justice, desk, travel):
    step = first_step(file(desk))

    back = client.post(f"/queue/{step.pk}/claim/", {"next": "/queue/?state=in_progress"})
    away = client.post(f"/queue/{step.pk}/release/", {"next": "https://elsewhere.example/queue/"})

    assert (back.status_code, back["Location"]) == (302, "/queue/?state=in_progress")
    assert (away.status_code, away["Location"]) == (302, "/queue/")


def test_the_step_page_shows_exactly_the_transitions_open_now(client, justice, desk, travel):
    step = first_step(file(desk))

    ready = buttons(client.get(f"/steps/{step.pk}/").content.decode())
    client.post(f"/steps/{step.pk}/claim/")
    claimed = buttons(client.get(f"/steps/{step.pk}/").content.decode())

    assert ready == ["Nhận xử lý", "Ghi kết quả", "Trả hồ sơ", "Từ chối bước này"]
    assert claimed == ["Trả lại hàng đợi", "Ghi kết quả", "Trả hồ sơ", "Từ chối bước này"]


def test_a_wrong_result_is_shown_next_to_its_field_and_a_right_one_opens_the_next_steps(client, justice, desk, travel):
    bundle = file(desk)
    step = first_step(bundle)

    wrong = client.post(
        f"/steps/{step.pk}/complete/",
        {"result-register_number": "12/2026", "result-personal_id_number": "040395001122", "result-confirm": "on"},
    )
    right = client.post(
        f"/steps/{step.pk}/complete/",
        {"result-register_number": "12/2026", "result-personal_id_number": "040326001122", "result-confirm": "on"},
    )

    assert wrong.status_code == 400
    errors = re.findall(r'id="id_result-personal_id_number-errors">(.*?)</ul>', wrong.content.decode(), re.S)
    assert re.findall(r"<li>([^<]+)</li>", errors[0]) == ["Chữ số thứ 5–6 (năm sinh) không khớp với năm 2026."]
    assert right.status_code == 302
    assert dict(bundle.steps.values_list("procedure_id", "state")) == {
        "birth_registration": StepState.DONE,
        "permanent_residence": StepState.READY,
        "health_insurance_card": StepState.READY,
    }


def test_the_funeral_amount_is_filled_from_the_table_and_another_amount_needs_a_reason_on_the_page(
    client, officer, travel
):
    desk = officer("civil_status", commune="17329")  # the death is registered through the service
    clerk = User.objects.create(username="desk.17329", role=UserRole.CLERK, commune=desk.office.unit)
    data = death(funeral_category="social_protection", survivor_benefit=None,
                 procedures=["death_registration", "residence_deregistration", "funeral_allowance"],
                 received_at=None)  # fmt: skip
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    bundle = services.bundle_file(user=clerk, data=serializer.validated_data)[0]
    registration = bundle.steps.get(procedure_id="death_registration")
    services.step_complete(user=desk, step_pk=registration.pk, result={"register_number": "KT-1/2026"})
    funeral = bundle.steps.get(procedure_id="funeral_allowance")
    client.force_login(officer("social_protection", commune="17329"))

    form = client.get(f"/steps/{funeral.pk}/").content.decode()
    silent = client.post(
        f"/steps/{funeral.pk}/complete/",
        {"result-decision_number": "QĐ-5", "result-amount_vnd": "999.999.999", "result-confirm": "on"},
    )
    explained = client.post(
        f"/steps/{funeral.pk}/complete/",
        {
            "result-decision_number": "QĐ-5",
            "result-amount_vnd": "12.000.000",
            "result-amount_reason": "Mức của tỉnh: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025",
            "result-confirm": "on",
        },
    )

    assert re.findall(r'name="result-amount_vnd"[^>]*value="([^"]+)"', form) == ["10000000"]
    assert 'name="result-amount_reason"' in form
    assert silent.status_code == 400
    errors = re.findall(r'id="id_result-amount_reason-errors">(.*?)</ul>', silent.content.decode(), re.S)
    assert re.findall(r"<li>([^<]+)</li>", errors[0]) == [
        "Bảng mức hưởng cho 10.000.000 đồng. Để chi cao hơn, nêu lý do (ít nhất 20 ký tự) và trích dẫn văn bản "
        "cho phép, có số và ngày (ví dụ: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025)."
    ]
    assert explained.status_code == 302
    funeral.refresh_from_db()
    assert funeral.result == {
        "decision_number": "QĐ-5", "amount_vnd": 12_000_000, "amount_rule_vnd": 10_000_000,
        "amount_reason": "Mức của tỉnh: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025",
    }  # fmt: skip
    client.force_login(clerk)
    trail = client.get(f"/bundles/{bundle.code}/").content.decode()
    assert re.findall(r"<td>(Mức của tỉnh[^<]*)<br><small>([^<]+)</small></td>", trail) == [
        (
            "Mức của tỉnh: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025",
            "Theo bảng mức: 10.000.000 đ; đã ghi: 12.000.000 đ",
        )
    ]


def test_returning_for_supplement_takes_the_checklist_and_the_desk_brings_it_back(client, justice, desk, travel):
    bundle = file(desk)
    step = first_step(bundle)

    empty = client.post(f"/steps/{step.pk}/return/", {"return-reason": "Thiếu giấy tờ"})
    returned = client.post(
        f"/steps/{step.pk}/return/",
        {"return-reason": "Thiếu giấy tờ", "return-missing": ["Giấy chứng sinh"], "return-other": "Sổ hộ khẩu cũ"},
    )

    assert empty.status_code == 400 and "Liệt kê ít nhất một giấy tờ còn thiếu." in empty.content.decode()
    assert returned.status_code == 302
    step.refresh_from_db()
    assert (step.state, step.missing_documents) == (StepState.RETURNED, ["Giấy chứng sinh", "Sổ hộ khẩu cũ"])

    client.force_login(desk)
    client.post(f"/bundles/{bundle.code}/supplement/", {"note": "Đã nộp bổ sung"})
    step.refresh_from_db()
    assert step.state == StepState.READY


def test_refusing_needs_a_reason(client, justice, desk, travel):
    step = first_step(file(desk))

    empty = client.post(f"/steps/{step.pk}/refuse/", {"refuse-reason": "", "refuse-confirm": "on"})
    refused = client.post(
        f"/steps/{step.pk}/refuse/", {"refuse-reason": "Giấy chứng sinh không hợp lệ", "refuse-confirm": "on"}
    )

    assert empty.status_code == 400
    assert refused.status_code == 302
    step.refresh_from_db()
    assert (step.state, step.reason) == (StepState.REFUSED, "Giấy chứng sinh không hợp lệ")


def test_another_offices_step_does_not_exist_for_an_officer(client, justice, make_user, travel):
    elsewhere = file(make_user(UserRole.CLERK, commune="17329", username="elsewhere"), commune="17329")
    step = first_step(elsewhere)

    assert client.get(f"/steps/{step.pk}/").status_code == 404
    assert client.post(f"/steps/{step.pk}/claim/").status_code == 404
    assert client.post(f"/queue/{step.pk}/claim/").status_code == 404
    step.refresh_from_db()
    assert step.state == StepState.READY


def test_a_late_step_gets_a_new_appointment_and_an_apology_letter(client, justice, desk, travel, signing):
    signing(user=justice)
    step = first_step(file(desk))
    travel.move_to(at(2026, 3, 4, 9))  # due 2 March: late
    services.lateness_record(today=at(2026, 3, 4).date())

    too_early = client.post(f"/steps/{step.pk}/apologise/", {"apology-new_appointment_on": "2026-03-04"})
    recorded = client.post(f"/steps/{step.pk}/apologise/", {"apology-new_appointment_on": "2026-03-06"})
    letter = signed_get(client, f"/steps/{step.pk}/apology.pdf")

    assert too_early.status_code == 400
    assert recorded.status_code == 302
    step.refresh_from_db()
    assert step.new_appointment_on.isoformat() == "2026-03-06"
    assert step.bundle.events.filter(action=Action.APOLOGISED).count() == 1
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-")


def test_the_tracking_page_shows_states_and_dates_and_nothing_personal(client, desk, travel):
    bundle = file(desk)

    found = client.post("/track/", {"code": bundle.code, "id_last4": "1234"})
    wrong = client.post("/track/", {"code": bundle.code, "id_last4": "9999"})

    page = found.content.decode()
    assert found.status_code == 200 and wrong.status_code == 404
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", page) == [
        ("Đăng ký khai sinh", "Chờ xử lý"),
        ("Đăng ký thường trú", "Chờ bước trước"),
        ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Chờ bước trước"),
    ]
    for personal in ("Trần Minh An", "Nguyễn Thị Lan", "040195001234", "0912345678", "Lê Hồng Phong"):
        assert personal not in page


def test_a_scan_opens_for_the_offices_that_handle_the_dossier_and_no_one_else(client, justice, desk, officer, travel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.services import attachment_add

    bundle = file(desk)
    from tests.scans import PDF as scan

    attachment, _new = attachment_add(
        user=desk, code=bundle.code or "", kind="Giấy chứng sinh", file=SimpleUploadedFile("a.pdf", scan)
    )

    own = client.get(f"/attachments/{attachment.pk}/")
    client.force_login(officer("civil_status", commune="17329"))
    other = client.get(f"/attachments/{attachment.pk}/")

    assert (own.status_code, own["Content-Type"], b"".join(own.streaming_content)) == (200, "application/pdf", scan)
    assert other.status_code == 404


def test_the_step_page_runs_the_same_number_of_queries_however_long_its_history(client, justice, desk, travel):
    def queries(step) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/steps/{step.pk}/").status_code == 200
        return len(captured)

    short = first_step(file(desk, 1))
    long = first_step(file(desk, 2))
    for _ in range(10):
        services.step_claim(user=justice, step_pk=long.pk)
        services.step_release(user=justice, step_pk=long.pk)

    assert queries(long) == queries(short)


def test_what_a_step_allows_depends_on_its_state_alone_so_a_page_works_it_out_once_per_state():
    """cases.services.step_actions_by_row asks the state machine once for each state and claimant
    on a page: exact only while no transition of Step has a condition or a permission of its own."""
    transitions = list(Step._meta.get_field("state").get_all_transitions(Step))

    assert len(transitions) >= 8
    assert [(t.name, t.conditions, t.permission) for t in transitions if t.conditions or t.permission] == []
