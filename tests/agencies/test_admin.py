"""The administrator's lists of units, offices, jurisdictions and users."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/admin/agencies/administrativeunit/", 5),
        ("/admin/agencies/office/", 5),
        ("/admin/agencies/jurisdiction/", 5),
        ("/admin/agencies/unitsuccession/", 5),
        ("/admin/agencies/user/", 5),
    ],
)
def test_admin_lists_open_with_a_fixed_number_of_queries(admin_client, django_assert_num_queries, path, queries):
    with django_assert_num_queries(queries):
        response = admin_client.get(path)

    assert response.status_code == 200


def test_the_admin_finds_a_commune_by_code(admin_client):
    page = admin_client.get("/admin/agencies/administrativeunit/", {"q": "16690"}).content.decode()

    assert "Phường Trường Thi" in page
    assert "Phường Trường Vinh" in page
