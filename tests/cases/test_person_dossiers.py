"""Issue 30 §4: one person's dossiers by their personal ID number, in any role, of every kind,
within the caller's scope (the desk, civil status, the police); each dossier listed a recorded
read; a fixed number of queries; and the desk intake's warning of a dossier in progress."""

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle, PersonalDataAccess
from tests.cases.conftest import at, birth, death

pytestmark = pytest.mark.django_db

FATHER = "040093005678"  # the birth dossier's father and household head


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        yield


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, commune="16690", username="clerk")


def filed(clerk, data) -> Bundle:
    data = {**data, "channel": "direct"}
    data.pop("received_at")  # the desk's own time
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=clerk, data=serializer.validated_data)[0]


def father_died(clerk) -> Bundle:
    """A death dossier of the same commune whose deceased is the birth dossier's father."""
    return filed(
        clerk,
        death(
            commune="16690",
            deceased__id_number=FATHER,
            deceased__date_of_birth="1993-01-09",
            deceased__full_name="Trần Văn Bình",
        ),
    )


def page(user, **query):
    client = Client()
    client.force_login(user)
    return client.get("/people/", query)


def test_the_desk_finds_a_person_in_every_role_across_kinds(clerk):
    born = filed(clerk, birth())
    died = father_died(clerk)
    other = "040093001111"  # another father: not found
    filed(
        clerk,
        birth(
            child__birth_certificate_number="CS-OTHER",
            father__id_number=other,
            residence__household_head__id_number=other,
        ),
    )
    PersonalDataAccess.objects.all().delete()

    answer = page(clerk, id_number="040 093 005 678")

    body = answer.content.decode()
    rows = body.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert answer.status_code == 200
    assert [row.split('href="/bundles/')[1].split("/")[0] for row in rows] == [died.code, born.code]
    assert "Người chết" in rows[0]
    assert "Cha, Chủ hộ" in rows[1]
    assert sorted(PersonalDataAccess.objects.values_list("bundle__code", "channel", "kind")) == sorted(
        [(died.code, "web", "list"), (born.code, "web", "list")]
    )


@pytest.mark.parametrize(
    ("who", "seen"),
    [("civil_status", 2), ("residence", 2), ("other_commune_clerk", 0)],
)
def test_each_sees_only_the_dossiers_in_their_scope(clerk, officer, make_user, who, seen):
    filed(clerk, birth())
    father_died(clerk)
    user = make_user(UserRole.CLERK, commune="17329") if who == "other_commune_clerk" else officer(who)

    body = page(user, id_number=FATHER).content.decode()

    assert body.count('class="code"') == seen


def test_the_offices_that_do_not_look_people_up_and_the_province_are_refused(officer, make_user, api):
    insurance = officer("social_insurance")
    provincial = make_user(UserRole.PROVINCIAL)
    partner = make_user(UserRole.INTEGRATION, username="partner")

    assert [page(insurance, id_number=FATHER).status_code, page(provincial, id_number=FATHER).status_code] == [
        403,
        403,
    ]
    assert api(partner).get(f"/api/v1/people/{FATHER}/dossiers/").status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_a_number_that_is_not_twelve_digits_is_refused_naming_the_field(clerk, api):
    answer = page(clerk, id_number="04009300567")
    api_answer = api(clerk).get("/api/v1/people/04009300567X/dossiers/")

    message = "Số định danh cá nhân: hãy nhập đủ 12 chữ số, không kèm ký tự nào khác."
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert api_answer.status_code == 400
    assert api_answer.json()["errors"] == {"id_number": [message]}


def test_the_api_lists_the_dossiers_with_the_persons_roles_and_records_each(clerk, api):
    born = filed(clerk, birth())
    died = father_died(clerk)
    PersonalDataAccess.objects.all().delete()

    answer = api(clerk).get(f"/api/v1/people/{FATHER}/dossiers/")

    assert answer.status_code == 200
    assert [(row["code"], row["kind"], row["state"], row["roles"]) for row in answer.json()["results"]] == [
        (died.code, "death", "in_progress", ["deceased"]),
        (born.code, "birth", "in_progress", ["father", "residence.household_head"]),
    ]
    assert sorted(PersonalDataAccess.objects.values_list("bundle__code", "channel", "kind")) == sorted(
        [(died.code, "api", "list"), (born.code, "api", "list")]
    )


def test_the_page_and_the_api_run_a_fixed_number_of_queries(clerk, api):
    def queries(fetch) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert fetch().status_code == 200
        return len(captured)

    client = Client()
    client.force_login(clerk)
    filed(clerk, birth(child__birth_certificate_number="Q0"))
    one = (
        queries(lambda: client.get("/people/", {"id_number": FATHER})),
        queries(lambda: api(clerk).get(f"/api/v1/people/{FATHER}/dossiers/")),
    )
    for n in range(1, 8):
        filed(clerk, birth(child__birth_certificate_number=f"Q{n}"))
    father_died(clerk)
    nine = (
        queries(lambda: client.get("/people/", {"id_number": FATHER})),
        queries(lambda: api(clerk).get(f"/api/v1/people/{FATHER}/dossiers/")),
    )

    assert one == nine


def test_the_intake_warns_of_a_dossier_in_progress_about_the_person_being_typed(clerk):
    born = filed(clerk, birth())
    withdrawn = filed(clerk, death(commune="16690"))
    services.bundle_withdraw(user=clerk, code=str(withdrawn.code), reason="Công dân rút hồ sơ.")
    client = Client()
    client.force_login(clerk)
    PersonalDataAccess.objects.all().delete()

    intake = client.get("/clerk/new/death/").content.decode()
    hint = client.post("/people/intake-hint/", {"applicant-id_number": "040 195 001 234", "deceased-id_number": ""})
    none = client.post("/people/intake-hint/", {"deceased-id_number": "040050009876"})  # only a withdrawn one
    short = client.post("/people/intake-hint/", {"deceased-id_number": "0401950"})

    assert 'hx-post="/people/intake-hint/"' in intake
    assert "Người này đã có hồ sơ đang giải quyết" in hint.content.decode()
    assert f'href="/bundles/{born.code}/"' in hint.content.decode()
    assert (none.content.decode().strip(), short.content.decode().strip()) == ("", "")
    assert list(PersonalDataAccess.objects.values_list("bundle__code", "channel", "kind")) == [
        (born.code, "web", "list")
    ]


def test_the_citizens_intake_has_no_such_warning(make_user):
    citizen = make_user(UserRole.CITIZEN, username="lan", personal_id="040195001234")
    client = Client()
    client.force_login(citizen)

    assert client.post("/people/intake-hint/", {"applicant-id_number": "040195001234"}).status_code == 403
