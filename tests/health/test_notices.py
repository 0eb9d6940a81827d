"""POST /api/v1/health-notices/: signed XML (table 9) and FHIR, checked against the facility's
registered CA made in the test; every refusal stores nothing."""

import base64
import datetime
import json
import re
from typing import Any

import pytest
from lxml import etree

from agencies.choices import UserRole
from health.models import HealthNotice, NoticeEvent
from health.pki import PLACEHOLDER, envelope
from tests.health.conftest import BIRTH, CODE, DEATH, HUNG, LAN, signed

pytestmark = pytest.mark.django_db
HANOI = datetime.timezone(datetime.timedelta(hours=7))


def test_a_signed_birth_certificate_is_kept_with_todays_commune_and_the_signer(post, signer, facility):
    response = post(signed(signer))
    assert response.status_code == 201, response.content
    notice = HealthNotice.objects.get()
    assert response.json() == {"id": notice.pk, "kind": "birth", "certificate_number": "GCS-2026-000123"}
    assert (notice.facility, notice.book, notice.link_code, notice.format) == (facility, "01/2026", "LK-0001", "xml")
    assert notice.data == {
        "child": {
            "sex": "female",
            "date_of_birth": "2026-11-30",
            "place_of_birth": "Bệnh viện Sản Nhi Nghệ An",
            "birth_certificate_number": "GCS-2026-000123",
        },
        "mother": {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-05-01", "id_number": LAN},
        "father": {"full_name": "Trần Văn Bình"},
        "facts": {"weight_grams": 3200, "residence": "Số 12, đường Nguyễn Du, phường Bến Thủy"},
    }
    assert notice.offered_to == LAN
    assert notice.event_at == datetime.datetime(2026, 11, 30, 8, 35, tzinfo=HANOI)
    # Phường Bến Thủy (16693, Thành phố Vinh 412) was merged whole into Phường Trường Vinh on 1 July 2025.
    assert (notice.commune.code, notice.commune.name) == ("16690", "Phường Trường Vinh")
    assert notice.signer == f"CN=Bệnh viện Sản Nhi Nghệ An — test,C=VN #{signer.cert.serial_number:x}"
    assert list(NoticeEvent.objects.values_list("notice_id", "action", "actor")) == [
        (notice.pk, "received", facility.client_id)
    ]


def test_the_same_certificate_again_answers_200_with_the_same_id(post, signer):
    first = post(signed(signer)).json()
    again = post(signed(signer, HO_TEN_CHA="Trần Văn Bính"))
    assert (again.status_code, again.json()) == (200, first)
    assert HealthNotice.objects.get().data["father"] == {"full_name": "Trần Văn Bình"}
    assert list(NoticeEvent.objects.order_by("pk").values_list("action", flat=True)) == ["received", "repeated"]


def test_a_death_notice_is_offered_to_the_relative_it_names(post, signer):
    response = post(signed(signer, "death"))
    assert response.status_code == 201, response.content
    notice = HealthNotice.objects.get()
    assert (notice.kind, notice.offered_to, notice.commune.code) == ("death", HUNG, "16690")
    assert notice.data["deceased"] == {
        "full_name": "Lê Văn Tư",
        "sex": "male",
        "date_of_birth": "1940-03-02",
        "id_number": "040040001111",
        "date_of_death": "2026-11-29",
        "place_of_death": "Bệnh viện Sản Nhi Nghệ An",
        "cause": "Bệnh",
        "last_residence": "Số 9, phường Bến Thủy",
    }
    assert notice.data["death_notice"] == {
        "number": "GBT-2026-000045",
        "issuer": "Bệnh viện Sản Nhi Nghệ An",
        "date": "2026-11-30",
    }


def _refused(response, errors):
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert HealthNotice.objects.count() == NoticeEvent.objects.count() == 0


def test_a_notice_changed_after_signing_is_refused(post, signer):
    body = signed(signer).replace(b"<MACSKCB>40001</MACSKCB>", b"<MACSKCB>40002</MACSKCB>")
    message = "Chữ ký số của cơ sở y tế không hợp lệ: nội dung đã ký bị thay đổi sau khi ký."
    _refused(post(body), {"CHUKYDONVI": [message]})


def test_an_unsigned_notice_is_refused(post):
    body = envelope(CODE, "birth", BIRTH).replace(PLACEHOLDER.encode(), b"")
    response = post(body)
    assert list(response.json()["errors"]) == ["CHUKYDONVI"]
    _refused(response, response.json()["errors"])


def test_a_notice_signed_under_a_ca_the_province_did_not_register_is_refused(post, stranger):
    message = (
        "Chữ ký số của cơ sở y tế không hợp lệ: chứng thư ký không thuộc tổ chức chứng thực đã đăng ký cho cơ sở này."
    )
    _refused(post(signed(stranger)), {"CHUKYDONVI": [message]})


def test_a_notice_signed_for_another_facility_is_refused(post, signer):
    _refused(
        post(signed(signer, code="40002")), {"MACSKCB": ["Giấy này của cơ sở 40002, không phải của tài khoản API này."]}
    )


def test_a_signed_notice_with_a_missing_or_bad_field_names_it(post, signer):
    body = signed(signer, SO_CCCD_NND=None, NGAY_SINH_CON="30/11/2026")
    _refused(
        post(body),
        {
            "DU_LIEU_GIAY_CHUNG_SINH.NGAY_SINH_CON": ["Không phải ngày (yyyymmdd hoặc yyyymmddHHMM)."],
            "DU_LIEU_GIAY_CHUNG_SINH.SO_CCCD_NND": ["Trường này là bắt buộc."],
        },
    )


def test_what_is_not_xml_or_not_base64_is_refused(post, signer):
    assert list(post(b"<GIAMDINHHS><oops></GIAMDINHHS>").json()["errors"]) == ["body"]
    root = etree.fromstring(envelope(CODE, "birth", BIRTH))
    root.find(".//NOIDUNGFILE").text = base64.b64encode(b"not xml").decode()
    body = signer.sign(etree.tostring(root))
    _refused(post(body), {"NOIDUNGFILE": ["Không phải một tài liệu XML mã hóa base64."]})
    response = post(b"SO=1", content_type="text/plain")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["Content-Type"])


FHIR_BIRTH: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "identifier": {"system": "urn:lienthong:giay-chung-sinh", "value": "GCS-2026-000777"},
    "entry": [
        {"resource": {"resourceType": "Organization", "name": "Bệnh viện Sản Nhi Nghệ An",
                      "identifier": [{"system": "urn:lienthong:macskcb", "value": CODE}]}},
        {"resource": {"resourceType": "Patient", "id": "child", "gender": "male", "birthDate": "2026-11-28",
                      "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                     "valueDateTime": "2026-11-28T23:50:00+07:00"}]}},
        {"resource": {"resourceType": "RelatedPerson", "patient": {"reference": "Patient/child"},
                      "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                                    "code": "MTH"}]}],
                      "identifier": [{"system": "urn:lienthong:cccd", "value": LAN}],
                      "name": [{"text": "Nguyễn Thị Lan"}], "birthDate": "1995-05-01",
                      "address": [{"state": "40", "district": "412", "city": "16693"}]}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "8339-4"}]},
                      "subject": {"reference": "Patient/child"},
                      "valueQuantity": {"value": 3100, "unit": "g"}}},
    ],
}  # fmt: skip


def test_the_same_birth_as_a_fhir_bundle_is_accepted(post):
    response = post(FHIR_BIRTH, "application/fhir+json")
    assert response.status_code == 201, response.content
    notice = HealthNotice.objects.get()
    assert (notice.format, notice.offered_to, notice.commune.code, notice.signer) == ("fhir", LAN, "16690", "")
    assert notice.data == {
        "child": {
            "sex": "male",
            "date_of_birth": "2026-11-28",
            "place_of_birth": "Bệnh viện Sản Nhi Nghệ An",
            "birth_certificate_number": "GCS-2026-000777",
        },
        "mother": {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-05-01", "id_number": LAN},
        "facts": {"weight_grams": 3100},
    }
    assert notice.event_at == datetime.datetime(2026, 11, 28, 23, 50, tzinfo=HANOI)


def test_a_fhir_bundle_with_an_unknown_field_or_no_mother_is_refused(post):
    wrong = {**FHIR_BIRTH, "colour": "blue"}
    response = post(wrong, "application/fhir+json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["colour"])
    motherless = {
        **FHIR_BIRTH,
        "entry": [e for e in FHIR_BIRTH["entry"] if e["resource"]["resourceType"] != "RelatedPerson"],
    }
    _refused(
        post(motherless, "application/fhir+json"), {"RelatedPerson": ["Người mẹ: một RelatedPerson có quan hệ MTH."]}
    )


def test_only_a_registered_health_facility_posts_notices_and_it_posts_nothing_else(
    post, signer, make_user, api, integration
):
    response = post(signed(signer), user=integration)
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Chỉ cơ sở y tế mới gửi được giấy của bệnh viện."},
    )
    unregistered = make_user(UserRole.HEALTH_FACILITY, username="phongkham-x")
    response = post(signed(signer), user=unregistered)
    assert (response.status_code, list(response.json()["errors"])) == (400, ["MACSKCB"])
    assert HealthNotice.objects.count() == 0
    facility_client = api(unregistered)
    for path in ("/api/v1/bundles/", "/api/v1/queue/", "/api/v1/reports/online-rate/"):
        response = facility_client.get(path)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Tài khoản API của cơ sở y tế chỉ dùng để gửi giấy của bệnh viện."},
        ), path


def test_a_notice_opened_in_the_administration_is_in_the_notices_trail(post, signer, make_user):
    """Issue 28 (low): the notice's page shows the mother's data: the opening is recorded (the
    list is not); a notice no dossier cites has no dossier read to record."""
    from django.test import Client

    from cases.models import PersonalDataAccess

    notice = HealthNotice.objects.get(pk=post(signed(signer)).json()["id"])
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)

    listed = client.get("/admin/health/healthnotice/")
    opened = client.get(f"/admin/health/healthnotice/{notice.pk}/change/")

    assert (listed.status_code, opened.status_code) == (200, 200)
    assert "Nguyễn Thị Lan" in opened.content.decode()
    assert list(NoticeEvent.objects.order_by("pk").values_list("action", "actor__username")) == [
        ("received", notice.facility.client.username),
        ("opened", "root"),
    ]
    assert PersonalDataAccess.objects.count() == 0


def test_an_envelope_whose_signature_was_never_made_is_refused(post):
    """Issue 28 (low): the template's empty Signature (never signed) was a 500."""
    _refused(
        post(envelope(CODE, "birth", BIRTH)),
        {"CHUKYDONVI": ["Chữ ký số của cơ sở y tế không hợp lệ: phong bì không có chữ ký đầy đủ trong CHUKYDONVI."]},
    )


def test_a_nul_character_in_a_fhir_notice_is_refused_naming_its_field(post):
    """Issue 28 (low): PostgreSQL stores no NUL, not even in JSON: it was a 500."""
    import copy

    notice = copy.deepcopy(FHIR_BIRTH)
    notice["entry"][2]["resource"]["name"][0]["text"] = "Nguyễn\u0000Lan"
    _refused(
        post(json.dumps(notice).encode(), "application/fhir+json"),
        {"entry.2.resource.name.0.text": ["Không được chứa ký tự NUL."]},
    )


@pytest.mark.parametrize(
    ("entry", "field", "value", "where"),
    [
        (1, "birthDate", "2026", "Patient.birthDate"),
        (1, "birthDate", "2026-11", "Patient.birthDate"),
        (2, "birthDate", "1995", "RelatedPerson.birthDate"),
    ],
)
def test_a_partial_fhir_date_is_refused_under_its_field(post, entry, field, value, where):
    """Issue 28 (low): FHIR allows "2026" or "2026-11"; a register needs the whole date (a 500 before)."""
    import copy

    notice = copy.deepcopy(FHIR_BIRTH)
    notice["entry"][1]["resource"].pop("extension")  # the birth time would stand for the date
    notice["entry"][entry]["resource"][field] = value
    _refused(
        post(notice, "application/fhir+json"),
        {where: [f"{value} không phải một ngày đầy đủ: hãy ghi đủ ngày, tháng và năm."]},
    )


def test_a_certificate_of_a_ca_two_hospitals_share_signs_for_its_own_facility_only(post, facility, make_user):
    """Issue 28 (low): two hospitals buy certificates from one CA; facility A's certificate used
    to be accepted for facility B's MACSKCB. A CA registered for two facilities binds each
    certificate to its facility by the identifier its subject carries (UID "MST:…")."""
    from health.models import HealthFacility
    from health.pki import make_signer

    shared = make_signer("CA dùng chung — test", "Bệnh viện Sản Nhi Nghệ An — test", subject_id="MST:2900000001")
    facility.ca_pem, facility.signer_ids = shared.ca_pem, "MST:2900000001"
    facility.save()
    other = HealthFacility.objects.create(
        code="40002", name="Bệnh viện Đa khoa B", ca_pem=shared.ca_pem, signer_ids="MST:2900000002",
        client=make_user(UserRole.HEALTH_FACILITY, username="benhvien-b"),
    )  # fmt: skip
    name = shared.cert.subject.rfc4514_string()

    as_other = post(shared.sign(envelope("40002", "birth", BIRTH)), user=other.client)
    assert (as_other.status_code, as_other.json()["errors"]) == (
        400,
        {
            "CHUKYDONVI": [
                f"Chữ ký số của cơ sở y tế không hợp lệ: chứng thư ký ({name}) không mang mã định danh "
                "của cơ sở này MST:2900000002."
            ]
        },
    )
    assert post(shared.sign(envelope(CODE, "birth", BIRTH))).status_code == 201
    facility.signer_ids = ""
    facility.save()
    unregistered = post(shared.sign(envelope(CODE, "death", DEATH)))
    assert unregistered.json()["errors"]["CHUKYDONVI"] == [
        f"Chữ ký số của cơ sở y tế không hợp lệ: chứng thư ký ({name}) không mang mã định danh của cơ sở này "
        "(chưa đăng ký: tỉnh cần đăng ký mã này)."
    ]
    assert HealthNotice.objects.count() == 1


def test_a_signature_whose_certificate_cannot_be_read_is_refused(post, signer):
    """Review of issue 28: an X509Certificate that is not one (bad DER) was a 500."""
    body = re.sub(rb"<ds:X509Certificate>[^<]+</ds:X509Certificate>", b"<ds:X509Certificate>AAAA</ds:X509Certificate>",
                  signed(signer))  # fmt: skip
    _refused(
        post(body),
        {"CHUKYDONVI": ["Chữ ký số của cơ sở y tế không hợp lệ: không đọc được chứng thư ký trong chữ ký."]},
    )
