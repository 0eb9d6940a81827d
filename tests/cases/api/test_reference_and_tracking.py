"""Reference data, attachments, the citizen's tracking page, and fixed query counts of lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Bundle
from tests.cases.conftest import birth
from tests.scans import JPEG, PDF, PNG

pytestmark = pytest.mark.django_db


def test_units_on_a_date_under_a_parent(api, integration):
    rows = api(integration).get("/api/v1/units/", {"parent": "412", "on": "2024-05-01"}).json()["results"]

    assert len(rows) == 25
    assert rows[0] == {
        "code": "16663",
        "name": "Phường Đông Vĩnh",
        "type": "Phường",
        "level": "commune",
        "parent": "412",
    }


def test_the_office_for_a_role_and_commune_on_a_date(api, integration):
    before = api(integration).get("/api/v1/offices/", {"role": "merit", "unit": "16690", "on": "2024-05-01"}).json()
    after = api(integration).get("/api/v1/offices/", {"role": "merit", "unit": "16690", "on": "2026-05-01"}).json()

    assert [(row["name"], row["role"], row["unit"]) for row in before["results"]] == [
        ("Phòng Lao động - Thương binh và Xã hội thành phố Vinh", "merit", "16690")
    ]
    assert [(row["name"], row["role"], row["unit"]) for row in after["results"]] == [
        ("Sở Nội vụ tỉnh Nghệ An", "merit", "16690")
    ]


def test_a_bad_date_names_the_parameter(api, integration):
    response = api(integration).get("/api/v1/units/", {"on": "01/05/2024"})

    assert (response.status_code, response.json()["errors"]) == (400, {"on": ["Nhập ngày theo dạng YYYY-MM-DD."]})


def test_tracking_shows_states_and_dates_and_no_personal_data(api, integration):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]

    response = api().get(f"/api/v1/track/{code}/", {"id_last4": "1234"})

    assert response.json() == {
        "code": code,
        "kind": "birth",
        "state": "in_progress",
        "received_at": "2026-03-02T14:10:00+07:00",
        "due_date": "2026-03-04",
        "steps": [
            {"procedure": "birth_registration", "agency_role": "civil_status", "state": "ready",
             "due_date": "2026-03-02", "missing_documents": [], "supplement_deadline": None},
            {"procedure": "permanent_residence", "agency_role": "residence", "state": "waiting", "due_date": None,
             "missing_documents": [], "supplement_deadline": None},
            {"procedure": "health_insurance_card", "agency_role": "social_insurance", "state": "waiting",
             "due_date": None, "missing_documents": [], "supplement_deadline": None},
        ],
        "accesses": [],
        "accesses_summary": [],
        "accesses_total": 0,
    }  # fmt: skip


@pytest.mark.parametrize("last4", ["0000", "", "123"])
def test_tracking_with_the_wrong_digits_is_not_found(api, integration, last4):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]

    assert api().get(f"/api/v1/track/{code}/", {"id_last4": last4}).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "status", "content_type"),
    [
        ("scan.pdf", PDF, 201, "application/pdf"),
        ("photo.jpg", JPEG, 201, "image/jpeg"),
        ("scan.png", PNG, 201, "image/png"),
        ("virus.pdf", b"MZ\x90\x00 this is an exe", 400, None),
    ],
)
def test_attachments_are_checked_by_content(api, integration, name, content, status, content_type):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = api(integration).post(
        f"/api/v1/bundles/{code}/attachments/", {"file": upload, "kind": "Giấy chứng sinh"}, format="multipart"
    )

    assert response.status_code == status
    assert list(Attachment.objects.values_list("content_type", flat=True)) == ([content_type] if content_type else [])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "fake.pdf",
            b"%PDF-1.7\n" + b"A" * 2000,
            "Tệp quét không phải là PDF đọc được: phần đầu giống PDF nhưng không mở được.",
        ),
        (
            "cut.pdf",
            PDF[: len(PDF) // 2],
            "Tệp quét không phải là PDF đọc được: phần đầu giống PDF nhưng không mở được.",
        ),
        (
            "fake.jpg",
            b"\xff\xd8\xff\xe0JFIF",
            "Tệp quét không phải là ảnh đọc được: phần đầu giống ảnh nhưng không mở được.",
        ),
        ("cut.png", PNG[:40], "Tệp quét không phải là ảnh đọc được: phần đầu giống ảnh nhưng không mở được."),
    ],
)
def test_a_file_that_only_starts_like_a_scan_is_refused(api, integration, name, content, message):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = api(integration).post(
        f"/api/v1/bundles/{code}/attachments/", {"file": upload, "kind": "Giấy chứng sinh"}, format="multipart"
    )

    assert (response.status_code, response.json()["errors"]) == (400, {"file": [message]})
    assert Attachment.objects.count() == 0


def test_a_too_large_attachment_is_refused(api, integration, settings):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")

    response = api(integration).post(
        f"/api/v1/bundles/{code}/attachments/", {"file": upload, "kind": "Giấy chứng sinh"}, format="multipart"
    )

    assert (response.status_code, response.json()["errors"]) == (400, {"file": ["Tệp lớn hơn 10 MB."]})
    assert Attachment.objects.count() == 0


def _file_many(api, integration, count):
    for number in range(count):
        data = birth(child__birth_certificate_number=f"CS-{number}")
        assert api(integration).post("/api/v1/bundles/", data, format="json").status_code == 201


@pytest.mark.parametrize("count", [1, 50])
def test_the_bundle_list_runs_the_same_queries_for_1_or_50_bundles(api, integration, django_assert_num_queries, count):
    _file_many(api, integration, count)

    with django_assert_num_queries(3):  # the page, its steps, one insert recording the reads
        rows = api(integration).get("/api/v1/bundles/").json()["results"]

    assert len(rows) == count


@pytest.mark.parametrize("count", [1, 50])
def test_the_queue_runs_the_same_queries_for_1_or_50_steps(api, integration, officer, django_assert_num_queries, count):
    _file_many(api, integration, count)
    justice = api(officer("civil_status"))

    # The token, the page, its offices, bundles and earlier results, one insert recording the reads,
    # and the pool's check of the connection (no claimant yet: claimants are read when there are).
    with django_assert_num_queries(7):
        rows = justice.get("/api/v1/queue/").json()["results"]

    assert len(rows) == count
    assert Bundle.objects.count() == count
