"""The province's list of funeral allowances paid at another amount than the rate table's."""

import re

import pytest
from django.utils import timezone

from agencies.choices import UserRole
from agencies.models import User
from agencies.selectors import unit_get_on
from cases import services
from cases.api.serializers import BundleCreateSerializer
from tests.cases.conftest import death
from tests.conftest import D2026

pytestmark = pytest.mark.django_db

REASON = "Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025 của tỉnh nâng mức hỗ trợ mai táng"
SLIP = "Nhập nhầm: chi theo Quyết định 7/QĐ-UBND ngày 01/03/2026"


@pytest.fixture
def province(client, make_user):
    user = make_user(UserRole.PROVINCIAL, username="province", first_name="Thu", last_name="Nguyễn")
    client.force_login(user)
    return user


def funeral_paid(partner, officer, n: int, commune: str, amount: int, reason: str = "") -> str:
    """A social-protection funeral allowance (the table: 10,000,000 đồng) decided at `amount`."""
    data = death(
        commune=commune, funeral_category="social_protection", survivor_benefit=None,
        procedures=["death_registration", "residence_deregistration", "funeral_allowance"],
        deceased__id_number=f"04005000{n:04d}", death_notice__number=f"BT-{n}",
    )  # fmt: skip
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    bundle, _new = services.bundle_file(user=partner, data=serializer.validated_data)
    registration = bundle.steps.get(procedure_id="death_registration")
    services.step_complete(
        user=officer("civil_status", commune), step_pk=registration.pk, result={"register_number": f"KT-{n}"}
    )
    funeral = bundle.steps.get(procedure_id="funeral_allowance")
    result = {"decision_number": f"QĐ-{n}", "amount_vnd": amount, **({"amount_reason": reason} if reason else {})}
    services.step_complete(user=officer("social_protection", commune), step_pk=funeral.pk, result=result)
    return str(bundle.code)


@pytest.fixture
def officer(make_user):
    def make(role: str, commune: str) -> User:
        username = f"{role}.{commune}"
        return User.objects.filter(username=username).first() or make_user(
            UserRole.OFFICER, agency_role=role, commune=commune, on=D2026, username=username,
            first_name="Văn An", last_name="Lê",
        )  # fmt: skip

    return make


def period() -> str:
    today = timezone.localdate()
    return f"from={today.replace(day=1)}&to={today}"


def test_the_province_sees_each_amount_that_differs_from_the_table_per_office_with_its_reason(
    client, api, province, partner, officer
):
    anh_son = funeral_paid(partner, officer, 1, "17329", 12_000_000, REASON)
    funeral_paid(partner, officer, 2, "17329", 10_000_000)  # the table's amount: not an exception
    vinh = funeral_paid(partner, officer, 3, "16690", 29_999_999, SLIP)

    page = client.get(f"/reports/funeral-amounts/?{period()}").content.decode()
    rows = api(province).get(f"/api/v1/reports/funeral-amounts/?{period()}").json()["rows"]

    assert re.findall(r"<h2>([^<]+?) <small>\(([^)]+)\)</small></h2>", page) == [
        ("Chủ tịch UBND phường Trường Vinh", "1 khoản"),
        ("Chủ tịch UBND xã Anh Sơn", "1 khoản"),
    ]
    assert re.findall(
        r'<tr><td><span class="code">([^<]+)</span></td><td>[^<]+</td><td>[^<]+</td>'
        r'<td><span class="amount">([^<]+)</span></td><td><strong class="amount">([^<]+)</strong>',
        page,
    ) == [  # an amount and its "đ" never apart
        (vinh, "10.000.000&nbsp;đ", "29.999.999&nbsp;đ"),
        (anh_son, "10.000.000&nbsp;đ", "12.000.000&nbsp;đ"),
    ]
    assert [{key: row[key] for key in ("office", "code", "commune", "rule_vnd", "amount_vnd", "reason", "officer")}
            for row in rows] == [
        {"office": "Chủ tịch UBND phường Trường Vinh", "code": vinh, "commune": "Phường Trường Vinh",
         "rule_vnd": 10_000_000, "amount_vnd": 29_999_999, "reason": SLIP, "officer": "Lê Văn An"},
        {"office": "Chủ tịch UBND xã Anh Sơn", "code": anh_son, "commune": "Xã Anh Sơn",
         "rule_vnd": 10_000_000, "amount_vnd": 12_000_000, "reason": REASON, "officer": "Lê Văn An"},
    ]  # fmt: skip


def test_another_provinces_staff_see_none_of_it_and_other_roles_are_refused(client, api, partner, officer, make_user):
    funeral_paid(partner, officer, 1, "17329", 12_000_000, REASON)
    ha_tinh = User(username="province.42", role=UserRole.PROVINCIAL, province=unit_get_on(code="42", on=D2026))
    ha_tinh.save()
    clerk = make_user(UserRole.CLERK, commune="17329")

    theirs = api(ha_tinh).get(f"/api/v1/reports/funeral-amounts/?{period()}")
    refused = api(clerk).get(f"/api/v1/reports/funeral-amounts/?{period()}")
    client.force_login(officer("social_protection", "17329"))
    page = client.get("/reports/funeral-amounts/")

    assert (theirs.status_code, theirs.json()) == (200, {"rows": []})
    assert refused.status_code == 403
    assert page.status_code == 403


def test_the_list_runs_the_same_number_of_queries_for_1_and_3_rows(
    client, province, partner, officer, django_assert_num_queries
):
    funeral_paid(partner, officer, 1, "17329", 12_000_000, REASON)
    with django_assert_num_queries(2):  # the session's user; the list, scoped to the province in the same query
        one = client.get(f"/reports/funeral-amounts/?{period()}")
    funeral_paid(partner, officer, 2, "17329", 13_000_000, REASON)
    funeral_paid(partner, officer, 3, "16690", 14_000_000, REASON)

    with django_assert_num_queries(2):
        three = client.get(f"/reports/funeral-amounts/?{period()}")

    assert one.content.decode().count("<tr><td>") == 1
    assert three.content.decode().count("<tr><td>") == 3


def test_the_dashboard_links_the_province_to_the_list(client, province):
    page = client.get("/reports/").content.decode()

    assert re.findall(r'<a href="/reports/funeral-amounts/\?[^"]+">([^<]+)</a>', page) == [
        "Trợ cấp mai táng chi khác mức theo bảng mức hưởng"
    ]


def test_the_period_is_typed_and_shown_as_dd_mm_yyyy_and_a_bad_date_is_refused_under_its_field(
    client, province, partner, officer
):
    code = funeral_paid(partner, officer, 1, "17329", 12_000_000, REASON)
    today = timezone.localdate()

    page = client.get("/reports/funeral-amounts/", {"from": f"01/{today:%m/%Y}", "to": f"{today:%d/%m/%Y}"})
    refused = client.get("/reports/funeral-amounts/", {"from": "01/01/2026", "to": "31/02/2026"})

    html = page.content.decode()
    assert page.status_code == 200
    assert code in html
    assert re.findall(r'<input type="text" id="(from|to)" name="\1" value="([^"]+)"', html) == [
        ("from", f"01/{today:%m/%Y}"),
        ("to", f"{today:%d/%m/%Y}"),
    ]
    assert refused.status_code == 400
    assert "Đến ngày: ngày 31/02/2026 không có thật: kiểm tra lại ngày và tháng." in refused.content.decode()
