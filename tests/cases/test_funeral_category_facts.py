"""Issue 26 §1: the death dossier's review page and the desk's dossier page show the funeral
category and the rate table's amount from the start, with the family's answers that chose it."""

import re

import pytest
import time_machine

from agencies.choices import UserRole
from cases.kinds.death import FUNERAL_AGENCY_ROLE, FuneralCategory
from cases.models import Bundle
from tests.cases.conftest import at
from tests.cases.test_pages_clerk import DEATH_FORM, signed_payload, variant_id

pytestmark = pytest.mark.django_db

PENSION = (
    "Người chết có đang hưởng lương hưu hoặc trợ cấp bảo hiểm xã hội hằng tháng, hoặc đã đóng bảo hiểm xã hội "
    "bắt buộc từ đủ 12 tháng (tự nguyện: từ đủ 60 tháng) trở lên không?"
)
ACCIDENT = (
    "Người chết có chết do thiên tai, hỏa hoạn, dịch bệnh, tai nạn giao thông hoặc tai nạn lao động đặc biệt "
    "nghiêm trọng không?"
)
# February 2026: 10 × 2.340.000 (social insurance) < 50 × 500.000 (emergency aid): emergency aid is claimed.
FACTS = [
    ("Diện hưởng mai táng", "Trợ giúp khẩn cấp"),
    ("Số tiền theo quy định", "25.000.000 đồng (bảng mức hưởng tháng 02/2026)"),
    ("Gia đình trả lời “có”", f"{PENSION}<br>{ACCIDENT}"),
]


@pytest.fixture
def clerk(client, make_user):
    user = make_user(UserRole.CLERK, commune="16690")
    client.force_login(user)
    return user


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


def facts(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", html)


def test_the_review_and_the_dossier_page_show_the_category_the_amount_and_the_answers(client, clerk, travel):
    form = {
        **DEATH_FORM,
        "variant": variant_id(client, "death", "Khai tử, xóa thường trú, mai táng phí"),
        "funeral-social_insurance": "on",
        "funeral-emergency": "on",
    }

    review = client.post("/clerk/new/death/", form)
    filed = client.post("/clerk/new/death/", {"action": "file", "payload": signed_payload(review)})
    back = client.post("/clerk/new/death/", {"action": "edit", "payload": signed_payload(review)})
    bundle = Bundle.objects.get()
    dossier = client.get(f"/bundles/{bundle.code}/").content.decode()

    assert review.status_code == 200 and filed.status_code == 302
    assert facts(review.content.decode().split("<h2>", 2)[1])[-3:] == FACTS
    assert facts(dossier.split('<dl class="facts card">')[1].split("</dl>")[0])[-3:] == FACTS
    assert (bundle.category, bundle.data["funeral_answers"]) == ("emergency", ["social_insurance", "emergency"])
    assert re.findall(r'name="funeral-(\w+)"[^>]*checked', back.content.decode()) == ["social_insurance", "emergency"]


def test_a_partners_dossier_without_answers_shows_the_category_and_the_amount(client, clerk, api, integration, travel):
    from tests.cases.conftest import death

    response = api(integration).post(
        "/api/v1/bundles/", death(commune="16690", funeral_category="emergency", received_at=None), format="json"
    )
    refused = api(integration).post(
        "/api/v1/bundles/",
        death(commune="16690", funeral_category="emergency", funeral_answers=["merit"], received_at=None,
              deceased__id_number="040050001111", death_notice__number="BT-2"),
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    dossier = client.get(f"/bundles/{response.json()['code']}/").content.decode()

    assert response.status_code == 201
    assert facts(dossier.split('<dl class="facts card">')[1].split("</dl>")[0])[-2:] == FACTS[:2]
    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        {"funeral_answers": ["Diện hưởng mai táng phải là một diện gia đình đã trả lời “có”."]},
    )


def test_the_funeral_step_shows_its_officer_the_familys_answers_that_chose_the_category(client, clerk, officer, travel):
    form = {
        **DEATH_FORM,
        "variant": variant_id(client, "death", "Khai tử, xóa thường trú, mai táng phí"),
        "funeral-social_insurance": "on",
        "funeral-emergency": "on",
    }
    review = client.post("/clerk/new/death/", form)
    client.post("/clerk/new/death/", {"action": "file", "payload": signed_payload(review)})
    step = Bundle.objects.get().steps.get(procedure_id="funeral_allowance")
    client.force_login(officer(FUNERAL_AGENCY_ROLE[FuneralCategory.EMERGENCY]))

    page = client.get(f"/steps/{step.pk}/").content.decode()

    assert facts(page.split('<dl class="facts card">')[1].split("</dl>")[0])[-2:] == [
        ("Diện hưởng mai táng", "Trợ giúp khẩn cấp · 25.000.000 đồng"),
        ("Gia đình trả lời “có”", f"{PENSION}<br>{ACCIDENT}"),
    ]


def test_the_funeral_step_of_a_dossier_without_answers_shows_only_the_category(
    client, clerk, officer, api, integration, travel
):
    from tests.cases.conftest import death

    filed = api(integration).post(
        "/api/v1/bundles/", death(commune="16690", funeral_category="emergency", received_at=None), format="json"
    )
    step = Bundle.objects.get(code=filed.json()["code"]).steps.get(procedure_id="funeral_allowance")
    client.force_login(officer(FUNERAL_AGENCY_ROLE[FuneralCategory.EMERGENCY]))

    page = client.get(f"/steps/{step.pk}/").content.decode()

    shown = facts(page.split('<dl class="facts card">')[1].split("</dl>")[0])
    assert shown[-1] == ("Diện hưởng mai táng", "Trợ giúp khẩn cấp · 25.000.000 đồng")
    assert "Gia đình trả lời" not in page
