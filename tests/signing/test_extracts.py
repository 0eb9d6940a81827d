"""The civil-status step's electronic extract (trích lục), signed by the civil-status system:
checked on arrival against the province's roots; its register number and personal ID number must
be the step's result; the offices downstream read it instead of a scan. A real test PKI."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Bundle, Extract, Step
from signing.layout import html_to_pdf
from signing.pades import Pkcs12Key, sign_pdf
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db

RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


def extract_signed_by(pki, label: str, register: str = "KS-123/2026", personal_id: str = "040326001122") -> bytes:
    html = (
        "<h1>TRÍCH LỤC KHAI SINH</h1>"
        f"<p>Số: {register}</p><p>Họ, chữ đệm, tên: Trần Thị An</p><p>Số định danh cá nhân: {personal_id}</p>"
    )
    signer = Pkcs12Key(pki.directory / "keys-p12" / f"{label}.p12", b"pw").signer()
    return sign_pdf(html_to_pdf(html), signer, tsa_url=pki.tsa_url)


@pytest.fixture
def bundle(api, integration) -> Bundle:
    return Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])


def step(bundle: Bundle, procedure: str) -> Step:
    return bundle.steps.get(procedure_id=procedure)


def attach(api, user, step_pk: int, data: bytes):
    upload = SimpleUploadedFile("trich-luc.pdf", data, content_type="application/pdf")
    return api(user).post(f"/api/v1/steps/{step_pk}/extract/", {"file": upload}, format="multipart")


def test_a_valid_extract_unlocks_the_next_steps_as_before_and_they_show_it(api, bundle, officer, signing, pki):
    justice, police = officer("civil_status"), officer("residence")
    first = step(bundle, "birth_registration")

    attached = attach(api, justice, first.pk, extract_signed_by(pki, "civil-status"))
    done = api(justice).post(f"/api/v1/steps/{first.pk}/complete/", {"result": RESULT}, format="json")

    assert attached.status_code == 201
    assert attached.json()["signer"] == "Hệ thống đăng ký, quản lý hộ tịch"
    assert done.status_code == 200
    assert sorted(bundle.steps.values_list("procedure_id", "state")) == [
        ("birth_registration", "done"),
        ("health_insurance_card", "ready"),
        ("permanent_residence", "ready"),
    ]
    client = Client()
    client.force_login(police)
    page = client.get(f"/steps/{step(bundle, 'permanent_residence').pk}/").content.decode()
    assert "Ký bởi Hệ thống đăng ký, quản lý hộ tịch lúc" in page and "đã kiểm tra chữ ký số" in page
    pdf = client.get(f"/steps/{step(bundle, 'permanent_residence').pk}/extract.pdf")
    assert (pdf.status_code, pdf.content) == (200, Extract.objects.get().file.open("rb").read())
    assert bundle.events.filter(action="extract_attached").count() == 1


def test_an_extract_with_another_register_number_is_refused_and_nothing_changes(api, bundle, officer, signing, pki):
    justice = officer("civil_status")
    first = step(bundle, "birth_registration")
    attach(api, justice, first.pk, extract_signed_by(pki, "civil-status", register="KS-999/2026"))

    refused = api(justice).post(f"/api/v1/steps/{first.pk}/complete/", {"result": RESULT}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "result.register_number": [
            "KS-123/2026 không có trên trích lục điện tử: kiểm tra lại số hoặc đính kèm đúng trích lục."
        ]
    }
    assert sorted(bundle.steps.values_list("procedure_id", "state")) == [
        ("birth_registration", "ready"),
        ("health_insurance_card", "waiting"),
        ("permanent_residence", "waiting"),
    ]


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("stranger", "Chứng thư ký không do tổ chức chứng thực mà cổng tin cậy cấp."),
        ("revoked", "Chứng thư ký đã bị thu hồi."),
    ],
)
def test_an_extract_that_is_not_trusted_is_refused_with_the_reason(api, bundle, officer, signing, pki, label, problem):
    answer = attach(api, officer("civil_status"), step(bundle, "birth_registration").pk, extract_signed_by(pki, label))

    assert (answer.status_code, answer.json()["errors"]) == (400, {"extract": [problem]})
    assert Extract.objects.count() == 0


def test_only_the_civil_status_office_attaches_it(api, bundle, officer, signing, pki):
    answer = attach(
        api, officer("residence"), step(bundle, "birth_registration").pk, extract_signed_by(pki, "civil-status")
    )

    assert answer.status_code == 404
    assert Extract.objects.count() == 0


def test_the_page_attaches_and_completes_together_or_not_at_all(bundle, officer, signing, pki):
    justice = officer("civil_status")
    first = step(bundle, "birth_registration")
    client = Client()
    client.force_login(justice)

    def complete(extract: bytes, register: str):
        return client.post(
            f"/steps/{first.pk}/complete/",
            {
                "result-register_number": register,
                "result-personal_id_number": RESULT["personal_id_number"],
                "result-confirm": "on",
                "result-extract": SimpleUploadedFile("trich-luc.pdf", extract, content_type="application/pdf"),
            },
        )

    wrong = complete(extract_signed_by(pki, "civil-status"), "KS-124/2026")
    assert wrong.status_code == 400
    assert "KS-124/2026 không có trên trích lục điện tử" in wrong.content.decode()
    assert (Extract.objects.count(), step(bundle, "birth_registration").state) == (0, "ready")

    right = complete(extract_signed_by(pki, "civil-status"), "KS-123/2026")
    assert right.status_code == 302
    assert (Extract.objects.count(), step(bundle, "birth_registration").state) == (1, "done")


def test_where_the_province_requires_it_no_extract_no_completion(api, bundle, officer, signing, settings):
    settings.CIVIL_STATUS_EXTRACT_REQUIRED = True
    first = step(bundle, "birth_registration")

    refused = api(officer("civil_status")).post(
        f"/api/v1/steps/{first.pk}/complete/", {"result": RESULT}, format="json"
    )

    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        {"extract": ["Hãy đính kèm trích lục điện tử có chữ ký số của hệ thống hộ tịch."]},
    )
