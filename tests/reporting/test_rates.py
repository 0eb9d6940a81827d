"""Online rates, targets, drill-down and re-mapping, on hand-made dossiers with known answers."""

import datetime
from decimal import Decimal

import pytest

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from reporting.models import ReceivedCount, Target
from reporting.selectors import online_rate
from reporting.summaries import summaries_rebuild, summaries_refresh
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db
D = datetime.date.fromisoformat


@pytest.fixture
def province(make_user):
    return make_user(UserRole.PROVINCIAL, username="province")


def file(partner, commune: str, received_at: str, channel: str, n: int) -> None:
    data = birth(
        commune=commune, received_at=received_at, channel=channel, child__birth_certificate_number=f"R-{n}",
        child__date_of_birth=received_at[:10], procedures=["birth_registration", "health_insurance_card"],
        residence=None,
    )  # fmt: skip
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    services.bundle_file(user=partner, data=serializer.validated_data)


def rows(report) -> dict[str, tuple]:
    return {r.code: (r.total, r.online, r.rate, r.target, r.pilot, r.meets_target) for r in report.rows}


def test_rates_per_commune_against_each_target_with_every_commune_listed(partner, province):
    file(partner, "16690", "2026-03-02T09:00:00+07:00", "online", 1)
    file(partner, "16690", "2026-03-03T09:00:00+07:00", "online", 2)
    file(partner, "16690", "2026-03-31T23:59:00+07:00", "direct", 3)
    file(partner, "17329", "2026-03-10T09:00:00+07:00", "online", 4)
    file(partner, "17329", "2026-04-01T00:00:00+07:00", "direct", 5)  # the next period
    summaries_refresh(D("2026-03-01"), D("2026-04-30"))

    report = online_rate(user=province, code=None, first=D("2026-03-01"), last=D("2026-03-31"))

    got = rows(report)
    assert report.level == "commune" and len(report.rows) == 130  # Nghệ An's communes from 1/7/2025
    assert got["16690"] == (3, 2, Decimal("66.7"), 90, True, False)  # took in Trường Thi, a pilot ward
    assert got["17329"] == (1, 1, Decimal("100.0"), 50, False, True)
    assert got["17380"] == (0, 0, None, 50, False, None)  # nothing received: no rate, flagged
    total = report.total
    assert (total.code, total.total, total.online, total.rate, total.target, total.meets_target) == (
        "40",
        4,
        3,
        Decimal("75.0"),
        50,
        True,
    )


def test_a_2024_period_drills_down_by_district_and_remaps_onto_todays_communes(partner, province):
    file(partner, "17353", "2024-05-06T09:00:00+07:00", "online", 1)  # Xã Đức Sơn, huyện Anh Sơn
    file(partner, "17353", "2024-05-07T09:00:00+07:00", "direct", 2)
    file(partner, "16690", "2024-05-08T09:00:00+07:00", "online", 3)  # Phường Trường Thi, Vinh (pilot)
    summaries_rebuild()

    by_district = online_rate(user=province, code=None, first=D("2024-05-01"), last=D("2024-05-31"))
    in_anh_son = online_rate(user=province, code="424", first=D("2024-05-01"), last=D("2024-05-31"))
    today_as_is = online_rate(user=province, code=None, first=D("2024-05-01"), last=D("2026-03-31"))
    remapped = online_rate(user=province, code=None, first=D("2024-05-01"), last=D("2026-03-31"), remap=True)

    assert by_district.level == "district"
    assert rows(by_district)["424"] == (2, 1, Decimal("50.0"), 50, False, True)
    assert rows(by_district)["412"][:2] == (1, 1)
    assert rows(in_anh_son)["17353"] == (2, 1, Decimal("50.0"), 50, False, True)
    # 16690 kept its code (Trường Thi became Trường Vinh); Đức Sơn's 17353 exists no more.
    assert (today_as_is.total.total, today_as_is.unplaced) == (1, 2)
    assert rows(remapped)["17329"][:3] == (2, 1, Decimal("50.0"))  # Đức Sơn went whole into Xã Anh Sơn
    assert remapped.total.total == 3 and remapped.unplaced == 0
    one_commune = online_rate(user=province, code="17329", first=D("2024-05-01"), last=D("2026-03-31"), remap=True)
    assert (one_commune.total.total, one_commune.total.online) == (2, 1)


def test_the_nightly_rebuild_finds_and_repairs_a_summary_that_drifted(partner):
    file(partner, "16690", "2026-03-02T09:00:00+07:00", "online", 1)
    first = summaries_rebuild()
    ReceivedCount.objects.update(count=7)

    repaired = summaries_rebuild()
    again = summaries_rebuild()

    # a day row, its month row and the open-steps snapshot; then only the day row drifted
    assert (first.rows_changed, repaired.rows_changed, again.rows_changed) == (3, 1, 0)
    assert list(ReceivedCount.objects.values_list("count", flat=True)) == [1]


def test_pilot_targets_are_seeded_and_follow_the_merges():
    def target(code, on):
        row = Target.objects.valid_on(D(on)).get(unit_code=code)
        return row.percent, row.pilot

    assert target("16690", "2024-05-01") == (90, True)  # Trường Thi ward, a pilot
    assert target("17353", "2024-05-01") == (50, False)
    assert target("414", "2024-05-01") == (90, True)  # Thái Hòa town
    assert target("16690", "2026-05-01") == (90, True)  # Trường Vinh took in Trường Thi
    assert target("17329", "2026-05-01") == (50, False)


def test_a_period_across_months_adds_whole_months_and_the_days_at_either_end(partner, province):
    for n, received_at in enumerate(
        ["2026-02-28T23:00:00+07:00", "2026-03-01T00:10:00+07:00", "2026-03-15T09:00:00+07:00",
         "2026-04-30T23:59:00+07:00", "2026-05-01T08:00:00+07:00", "2026-05-02T08:00:00+07:00"]
    ):  # fmt: skip
        file(partner, "16690", received_at, "online" if n % 2 else "direct", n)
    summaries_rebuild()

    def total(first, last):
        report = online_rate(user=province, code="16690", first=D(first), last=D(last))
        return report.total.total, report.total.online

    assert total("2026-03-01", "2026-05-01") == (4, 2)  # March and April whole, 1 May
    assert total("2026-02-28", "2026-03-31") == (3, 1)  # 28 February, March whole
    assert total("2026-03-02", "2026-04-29") == (1, 0)  # days only
    assert total("2026-02-01", "2026-05-31") == (6, 3)


def test_online_dossiers_are_split_by_where_they_came_from_on_the_page_and_in_the_api(
    client, api, partner, province, make_user
):
    from agencies.models import User

    citizen = User.objects.create(username="c040195001234", role=UserRole.CITIZEN, personal_id="040195001234")
    clerk = make_user(UserRole.CLERK, commune="16690")
    file(partner, "16690", "2026-03-02T09:00:00+07:00", "online", 1)
    file(partner, "16690", "2026-03-03T09:00:00+07:00", "online", 2)
    for n, (user, channel) in enumerate(((citizen, "online"), (clerk, "direct")), start=3):
        data = birth(
            commune="16690", received_at=None, channel=channel, child__birth_certificate_number=f"R-{n}",
            procedures=["birth_registration", "health_insurance_card"], residence=None,
        )  # fmt: skip
        serializer = BundleCreateSerializer(data=data)
        assert serializer.is_valid(), serializer.errors
        services.bundle_file(user=user, data=serializer.validated_data, assurance="2")
    summaries_rebuild()
    today = datetime.date.today()
    period = {"from": "2026-03-01", "to": today.isoformat()}

    report = online_rate(user=province, code=None, first=D("2026-03-01"), last=today)
    client.force_login(province)
    page = client.get("/reports/", period).content.decode()
    answer = api(province).get("/api/v1/reports/online-rate/", period).json()

    assert (report.total.total, report.total.online) == (4, 3)
    assert report.online_by_source == {"partner": 2, "citizen": 1, "desk": 0}
    assert report.online_sources == [("Khu vực công dân (định danh điện tử)", 1), (
        "Cổng dịch vụ công quốc gia và hệ thống đối tác", 2)]  # fmt: skip
    assert answer["online_by_source"] == {"citizen": 1, "partner": 2}
    sources = page.split('id="online-sources"')[1].split("</p>")[0]
    assert "Khu vực công dân (định danh điện tử): 1" in sources
    assert "Cổng dịch vụ công quốc gia và hệ thống đối tác: 2" in sources
