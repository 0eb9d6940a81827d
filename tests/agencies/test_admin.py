"""The administrator's lists of units, offices, jurisdictions and users."""

import pytest

pytestmark = pytest.mark.django_db


# With the session read from the cache: the user, the filtered and the full count, the rows.
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/admin/agencies/administrativeunit/", 4),
        ("/admin/agencies/office/", 4),
        ("/admin/agencies/jurisdiction/", 4),
        ("/admin/agencies/unitsuccession/", 4),
        ("/admin/agencies/user/", 4),
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
