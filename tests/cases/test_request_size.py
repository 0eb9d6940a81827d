"""Issue 11 §3 (hardening): a request larger than MAX_REQUEST_BYTES is refused with 413 and a
message naming the limit, before anything reads it: nothing changes."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Bundle
from tests.cases.conftest import birth


def test_the_cap_fits_the_largest_legitimate_request(settings):
    assert settings.MAX_REQUEST_BYTES == 45 * 1024 * 1024
    assert settings.MAX_REQUEST_BYTES > 4 * 10 * 1024 * 1024  # four scans of 10 MB on the filing page


def test_an_oversized_api_post_gets_413_in_json_and_files_nothing(api, integration, settings):
    settings.MAX_REQUEST_BYTES = 2 * 1024 * 1024
    data = birth()
    data["applicant"]["full_name"] = "Nguyễn Thị Lan" + " " * (2 * 1024 * 1024)

    response = api(integration).post("/api/v1/bundles/", data, format="json")

    assert (response.status_code, response.json()) == (
        413,
        {"detail": "Yêu cầu lớn hơn 2 MB, mức tối đa cổng tiếp nhận trong một yêu cầu."},
    )
    assert Bundle.objects.count() == 0


def test_an_oversized_upload_gets_413_and_attaches_nothing(api, integration, settings):
    code = api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024), content_type="application/pdf")

    response = api(integration).post(
        f"/api/v1/bundles/{code}/attachments/", {"file": upload, "kind": "Giấy chứng sinh"}, format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["detail"] == "Yêu cầu lớn hơn 1 MB, mức tối đa cổng tiếp nhận trong một yêu cầu."
    assert Attachment.objects.count() == 0


def test_an_oversized_page_post_gets_413_as_text(client, make_user, settings):
    client.force_login(make_user("clerk"))
    settings.MAX_REQUEST_BYTES = 1024 * 1024

    response = client.post("/clerk/new/birth/", {"applicant-full_name": "x" * (1024 * 1024)})

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "Yêu cầu lớn hơn 1 MB, mức tối đa cổng tiếp nhận trong một yêu cầu."
    assert Bundle.objects.count() == 0
