"""Which office plays which role for a commune on a date, under both agency structures."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from agencies.choices import AgencyRole, UserRole
from agencies.models import Jurisdiction
from agencies.selectors import commune_list_for_user, jurisdiction_list_for_user, office_for_role
from portal.errors import NotFound

pytestmark = pytest.mark.django_db

D2024 = datetime.date(2024, 5, 1)
D2026 = datetime.date(2026, 5, 1)

EXPECTED = {
    ("16690", D2024): {
        AgencyRole.CIVIL_STATUS: "Tư pháp - Hộ tịch, UBND phường Trường Thi",
        AgencyRole.RESIDENCE: "Công an phường Trường Thi",
        AgencyRole.SOCIAL_INSURANCE: "Bảo hiểm xã hội thành phố Vinh",
        AgencyRole.MERIT: "Phòng Lao động - Thương binh và Xã hội thành phố Vinh",
        AgencyRole.SOCIAL_PROTECTION: "Phòng Lao động - Thương binh và Xã hội thành phố Vinh",
        AgencyRole.EMERGENCY_AID: "Chủ tịch UBND thành phố Vinh",
    },
    ("16690", D2026): {
        AgencyRole.CIVIL_STATUS: "Tư pháp - Hộ tịch, UBND phường Trường Vinh",
        AgencyRole.RESIDENCE: "Công an phường Trường Vinh",
        AgencyRole.SOCIAL_INSURANCE: "Bảo hiểm xã hội cơ sở Vinh",
        AgencyRole.MERIT: "Sở Nội vụ tỉnh Nghệ An",
        AgencyRole.SOCIAL_PROTECTION: "Chủ tịch UBND phường Trường Vinh",
        AgencyRole.EMERGENCY_AID: "Chủ tịch UBND phường Trường Vinh",
    },
    ("17329", D2024): {
        AgencyRole.CIVIL_STATUS: "Tư pháp - Hộ tịch, UBND thị trấn Anh Sơn",
        AgencyRole.RESIDENCE: "Công an thị trấn Anh Sơn",
        AgencyRole.SOCIAL_INSURANCE: "Bảo hiểm xã hội huyện Anh Sơn",
        AgencyRole.MERIT: "Phòng Lao động - Thương binh và Xã hội huyện Anh Sơn",
        AgencyRole.SOCIAL_PROTECTION: "Phòng Lao động - Thương binh và Xã hội huyện Anh Sơn",
        AgencyRole.EMERGENCY_AID: "Chủ tịch UBND huyện Anh Sơn",
    },
    ("17329", D2026): {
        AgencyRole.CIVIL_STATUS: "Tư pháp - Hộ tịch, UBND xã Anh Sơn",
        AgencyRole.RESIDENCE: "Công an xã Anh Sơn",
        AgencyRole.SOCIAL_INSURANCE: "Bảo hiểm xã hội cơ sở Anh Sơn",
        AgencyRole.MERIT: "Sở Nội vụ tỉnh Nghệ An",
        AgencyRole.SOCIAL_PROTECTION: "Chủ tịch UBND xã Anh Sơn",
        AgencyRole.EMERGENCY_AID: "Chủ tịch UBND xã Anh Sơn",
    },
}


@pytest.mark.parametrize(("commune", "day"), list(EXPECTED))
def test_the_office_for_each_role(commune, day):
    offices = {role: office_for_role(role=role, commune_code=commune, on=day).name for role in AgencyRole}

    assert offices == EXPECTED[(commune, day)]


def test_the_structure_changes_overnight_on_1_july_2025():
    before = office_for_role(role=AgencyRole.EMERGENCY_AID, commune_code="16690", on=datetime.date(2025, 6, 30))
    after = office_for_role(role=AgencyRole.EMERGENCY_AID, commune_code="16690", on=datetime.date(2025, 7, 1))

    assert (before.name, after.name) == ("Chủ tịch UBND thành phố Vinh", "Chủ tịch UBND phường Trường Vinh")


def test_an_unchanged_commune_keeps_its_offices_across_the_december_2024_lists():
    in_2024 = office_for_role(role=AgencyRole.RESIDENCE, commune_code="16690", on=D2024)
    in_2025 = office_for_role(role=AgencyRole.RESIDENCE, commune_code="16690", on=datetime.date(2025, 3, 1))

    assert in_2024.pk == in_2025.pk


def test_a_grassroots_insurance_office_covers_several_communes(make_user):
    officer = make_user(UserRole.OFFICER, agency_role=AgencyRole.SOCIAL_INSURANCE)

    assert [c.name for c in commune_list_for_user(user=officer, on=D2026).order_by("name")] == [
        "Phường Cửa Lò",
        "Phường Thành Vinh",
        "Phường Trường Vinh",
        "Phường Vinh Hưng",
        "Phường Vinh Lộc",
        "Phường Vinh Phú",
    ]


def test_a_clerk_sees_one_office_per_role_for_the_commune(make_user):
    clerk = make_user(UserRole.CLERK, commune="17329")

    rows = [(j.role, j.office.name) for j in jurisdiction_list_for_user(user=clerk, on=D2026)]

    assert rows == list(EXPECTED[("17329", D2026)].items())


@pytest.mark.parametrize(("code", "day"), [("16690", datetime.date(2020, 1, 1)), ("99999", D2026)])
def test_no_unit_that_day_is_not_found(code, day):
    with pytest.raises(NotFound):
        office_for_role(role=AgencyRole.RESIDENCE, commune_code=code, on=day)


def test_a_second_office_for_the_same_role_and_period_is_refused():
    existing = Jurisdiction.objects.valid_on(D2026).get(role=AgencyRole.RESIDENCE, unit__code="17329")
    other = Jurisdiction(
        office=existing.office,
        role=existing.role,
        unit=existing.unit,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=None,
    )

    with pytest.raises(ValidationError) as raised:
        other.full_clean()

    assert raised.value.message_dict == {
        "role": ["Một cơ quan khác đã giữ vai trò này cho đơn vị trong một phần thời gian này."]
    }


@pytest.mark.parametrize(
    ("role", "communes"),
    [(UserRole.CLERK, 1), (UserRole.PROVINCIAL, 130), (UserRole.ADMIN, 199), (UserRole.INTEGRATION, 199)],
)
def test_each_role_works_for_its_own_communes(make_user, role, communes):
    assert commune_list_for_user(user=make_user(role), on=D2026).count() == communes


def test_a_province_in_2024_had_its_communes_under_districts(make_user):
    staff = make_user(UserRole.PROVINCIAL)

    assert commune_list_for_user(user=staff, on=D2024).count() == 460
