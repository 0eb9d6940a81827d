"""The province edits targets in the admin and the reports show the change at once; a target that
would overlap another of its unit, or names no unit, is refused and changes nothing."""

import pytest

from agencies.choices import UserRole
from reporting.models import Target
from tests.reporting.test_dashboard import MARCH, march, page_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_page(client, make_user, partner):
    client.force_login(make_user(UserRole.PROVINCIAL, username="province"))
    march(partner)
    return lambda: page_rows(client.get("/reports/", MARCH).content.decode())


def form(target: Target, **changes: object) -> dict[str, object]:
    fields = {"unit_code": target.unit_code, "percent": target.percent, "pilot": "on" if target.pilot else "",
              "valid_from": str(target.valid_from), "valid_to": str(target.valid_to or ""),
              "note": target.note}  # fmt: skip
    return {name: value for name, value in {**fields, **changes}.items() if value != ""}


# The user, the filtered and the full count, the rows (the session is read from the cache); for the
# targets also the percentages offered by the filter.
@pytest.mark.parametrize(("path", "queries"), [("/admin/reporting/target/", 5), ("/admin/reporting/obstacle/", 4)])
def test_admin_lists_open_with_a_fixed_number_of_queries(admin_client, django_assert_num_queries, path, queries):
    with django_assert_num_queries(queries):
        assert admin_client.get(path).status_code == 200


def test_a_target_changed_in_the_admin_shows_on_the_dashboard_at_once(
    admin_client, province_page, django_capture_on_commit_callbacks
):
    target = Target.objects.get(unit_code="17329", valid_from="2025-07-01")
    assert province_page()["Xã Anh Sơn"] == ["1", "1", "100,0%", "50%"]

    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(f"/admin/reporting/target/{target.pk}/change/", form(target, percent=95))

    assert answer.status_code == 302
    assert province_page()["Xã Anh Sơn"] == ["1", "1", "100,0%", "95%"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"valid_from": "2026-01-01", "valid_to": ""}, "valid_from",
         "Một chỉ tiêu khác của đơn vị này có hiệu lực trong một phần thời gian này."),
        ({"valid_from": "2027-01-01", "unit_code": "99999"}, "unit_code",
         "Không có đơn vị hành chính nào mang mã này."),
        ({"valid_from": "2027-01-01", "valid_to": "2026-12-31"}, "valid_to",
         "Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."),
        ({"valid_from": "2027-01-01", "percent": "101"}, "percent",
         "Chỉ tiêu không được vượt quá 100 phần trăm."),
    ],
)  # fmt: skip
def test_a_bad_target_is_refused_under_its_field_and_changes_nothing(admin_client, changes, field, message):
    template = Target.objects.get(unit_code="17329", valid_from="2025-07-01")
    before = list(Target.objects.order_by("pk").values())

    answer = admin_client.post("/admin/reporting/target/add/", form(template, **changes))

    assert answer.status_code == 200
    assert answer.context["adminform"].form.errors[field] == [message]
    assert list(Target.objects.order_by("pk").values()) == before
