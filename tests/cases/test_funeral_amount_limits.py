"""Issue 26 §1: a funeral allowance no office could pay is refused, on the step page and over the
API alike (the checks are the service's), and the figures kept beside it are labelled facts."""

import re

import pytest
import time_machine

from agencies.choices import UserRole
from agencies.models import User
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Event, Step
from tests.cases.conftest import at, death

pytestmark = pytest.mark.django_db

# The social-protection funeral allowance of a death in February 2026: 20 × 500.000 = 10.000.000 đồng;
# its ceiling, 3 × the table (funeral.ceiling.social_protection), 30.000.000 đồng.
REASON = "Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025 của HĐND tỉnh nâng mức hỗ trợ mai táng"
CEILING = "Tối đa 30.000.000 đồng (3 lần mức 10.000.000 đồng theo bảng mức hưởng) với diện này: kiểm tra lại số tiền."
WHY = (
    "Bảng mức hưởng cho 10.000.000 đồng. Để chi cao hơn, nêu lý do (ít nhất 20 ký tự) và trích dẫn văn bản "
    "cho phép, có số và ngày (ví dụ: Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025)."
)
WHOLE = "Nhập số tiền bằng đồng, là số nguyên lớn hơn 0, không có phần thập phân (ví dụ 12.000.000)."


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


@pytest.fixture
def funeral(officer, travel) -> Step:
    """A social-protection funeral allowance, ready once the death is registered."""
    justice = officer("civil_status", commune="17329")
    clerk = User.objects.create(username="desk.17329", role=UserRole.CLERK, commune=justice.office.unit)
    data = death(funeral_category="social_protection", survivor_benefit=None,
                 procedures=["death_registration", "residence_deregistration", "funeral_allowance"],
                 received_at=None)  # fmt: skip
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    bundle = services.bundle_file(user=clerk, data=serializer.validated_data)[0]
    registration = bundle.steps.get(procedure_id="death_registration")
    services.step_complete(user=justice, step_pk=registration.pk, result={"register_number": "KT-1/2026"})
    return bundle.steps.get(procedure_id="funeral_allowance")


@pytest.fixture
def chairman(client, officer):
    user = officer("social_protection", commune="17329")
    client.force_login(user)
    return user


def field_errors(response, name: str) -> list[str]:
    found = re.findall(rf'id="id_result-{name}-errors">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r"<li>([^<]+)</li>", found[0]) if found else []


def complete(client, step: Step, amount: str, reason: str = ""):
    form = {"result-decision_number": "QĐ-5", "result-amount_vnd": amount, "result-confirm": "on"}
    return client.post(f"/steps/{step.pk}/complete/", {**form, "result-amount_reason": reason})


def unchanged(step: Step) -> None:
    step.refresh_from_db()
    assert (step.state, step.result) == ("ready", None)
    assert Event.objects.filter(step=step, action="completed").count() == 0


def test_an_amount_no_office_could_pay_with_a_reason_that_says_nothing_is_refused_on_the_page(
    client, chairman, funeral
):
    response = complete(client, funeral, "99999999999999999999999", "x")

    assert response.status_code == 400
    assert field_errors(response, "amount_vnd") == [CEILING]
    assert field_errors(response, "amount_reason") == [WHY]
    unchanged(funeral)


@pytest.mark.parametrize(
    "typed", ["12,5", "12.5", "12.000,5", "1.2345.000", "-12.000.000", "12 triệu", "12,000,000", "12,500"]
)
def test_an_amount_with_a_decimal_part_or_anything_but_whole_dong_is_refused_not_read_otherwise(
    client, chairman, funeral, typed
):
    response = complete(client, funeral, typed, REASON)

    assert response.status_code == 400
    assert field_errors(response, "amount_vnd") == [WHOLE]
    unchanged(funeral)


@pytest.mark.parametrize("typed", ["12,000,000", "12000000"])
def test_an_english_page_takes_the_amount_grouped_by_commas_or_not_at_all(client, chairman, funeral, typed):
    client.cookies["django_language"] = "en"

    response = complete(client, funeral, typed, REASON)

    assert response.status_code == 302
    funeral.refresh_from_db()
    assert funeral.result["amount_vnd"] == 12_000_000


@pytest.mark.parametrize("typed", ["12.5", "12.500", "12,000.5", "12.000.000", "12,5"])
def test_an_english_page_refuses_a_decimal_part_with_its_own_example(client, chairman, funeral, typed):
    client.cookies["django_language"] = "en"

    response = complete(client, funeral, typed, REASON)

    assert response.status_code == 400
    assert field_errors(response, "amount_vnd") == [
        "Enter the amount in đồng as a whole number greater than 0, without a decimal part (for example 12,000,000)."
    ]
    unchanged(funeral)


def test_a_reason_without_the_decisions_number_and_date_is_refused(client, chairman, funeral):
    no_date = complete(client, funeral, "12.000.000", "Nghị quyết 12/2025/NQ-HĐND của HĐND tỉnh về mai táng")
    no_number = complete(client, funeral, "12.000.000", "Theo nghị quyết của tỉnh ngày 10/07/2025 nâng mức")
    short = complete(client, funeral, "12.000.000", "5/QĐ-UBND 1/7/2025")  # 18 characters

    assert [field_errors(r, "amount_reason") for r in (no_date, no_number, short)] == [[WHY], [WHY], [WHY]]
    unchanged(funeral)


def test_an_amount_up_to_the_ceiling_with_the_decision_is_recorded_and_shown_as_labelled_facts(
    client, chairman, funeral
):
    response = complete(client, funeral, "30.000.000", REASON)
    page = client.get(f"/steps/{funeral.pk}/").content.decode()

    assert response.status_code == 302
    funeral.refresh_from_db()
    assert funeral.result == {
        "decision_number": "QĐ-5", "amount_vnd": 30_000_000, "amount_rule_vnd": 10_000_000, "amount_reason": REASON,
    }  # fmt: skip
    facts = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.split('<dl class="facts card">')[1].split("</dl>")[0])
    assert facts[-4:] == [
        ("Số quyết định", "QĐ-5"),
        ("Số tiền (đồng)", "30.000.000 đồng"),
        ("Số tiền theo quy định", "10.000.000 đồng"),
        ("Lý do khác mức", REASON),
    ]
    assert "amount_rule_vnd" not in page and "amount_reason<" not in page


def test_the_recorded_amounts_are_shown_in_dong_on_the_dossier_page_and_the_citizens_page(client, chairman, funeral):
    from tests.citizens.test_area import citizen_user, sign_in

    complete(client, funeral, "30.000.000", REASON)
    client.force_login(User.objects.get(username="desk.17329"))
    desk = client.get(f"/bundles/{funeral.bundle.code}/").content.decode()
    sign_in(client, citizen_user(funeral.bundle.data["applicant"]["id_number"]))
    citizen = client.get(f"/citizen/dossiers/{funeral.bundle.code}/").content.decode()

    amounts = [("Số tiền (đồng)", "30.000.000 đồng"), ("Số tiền theo quy định", "10.000.000 đồng")]
    assert result_amounts(desk) == amounts
    assert result_amounts(citizen) == amounts


def result_amounts(html: str) -> list[tuple[str, str]]:
    """The amounts among the results listed under the steps of a dossier page."""
    results = "".join(re.findall(r'<dl class="facts small">(.*?)</dl>', html, re.S))
    return [fact for fact in re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", results) if fact[0].startswith("Số tiền")]


def test_the_api_refuses_an_amount_above_the_ceiling_under_amount_vnd_and_labels_the_kept_figures(
    api, chairman, funeral
):
    url = f"/api/v1/steps/{funeral.pk}/complete/"
    above = api(chairman).post(
        url, {"result": {"decision_number": "QĐ-5", "amount_vnd": 10**23, "amount_reason": "x"}}, format="json"
    )
    fraction = api(chairman).post(
        url, {"result": {"decision_number": "QĐ-5", "amount_vnd": 12.5, "amount_reason": REASON}}, format="json"
    )
    unchanged(funeral)
    done = api(chairman).post(
        url, {"result": {"decision_number": "QĐ-5", "amount_vnd": 12_000_000, "amount_reason": REASON}}, format="json"
    )

    assert (above.status_code, above.json()) == (
        400,
        {"detail": "Yêu cầu có lỗi: xem từng trường.", "errors": {"result.amount_vnd": [CEILING],
                                                                  "result.amount_reason": [WHY]}},
    )  # fmt: skip
    assert (fraction.status_code, fraction.json()["errors"]) == (400, {"result.amount_vnd": [WHOLE]})
    assert done.status_code == 200
    assert [fact for fact in done.json()["result_facts"] if fact["name"].startswith("amount")] == [
        {"name": "amount_vnd", "label": "Số tiền (đồng)", "value": 12_000_000},
        {"name": "amount_rule_vnd", "label": "Số tiền theo quy định", "value": 10_000_000},
        {"name": "amount_reason", "label": "Lý do khác mức", "value": REASON},
    ]


def test_the_ceiling_is_a_setting_the_province_changes(client, chairman, funeral):
    from cases import rules
    from cases.models import Setting

    Setting.objects.filter(key="funeral.ceiling.social_protection").update(value=5)
    rules.clear_cache()

    response = complete(client, funeral, "50.000.000", REASON)

    assert response.status_code == 302
    funeral.refresh_from_db()
    assert funeral.result["amount_vnd"] == 50_000_000
