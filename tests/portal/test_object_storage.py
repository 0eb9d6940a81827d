"""Issue 16: attachments in object storage. With STORAGE_S3_BUCKET set, scans and signed documents go
to an S3-compatible bucket (django-storages) instead of MEDIA_ROOT, with the same content checks and
the same scope on the way out: the portal reads them back and serves them itself; no object is
public. Against a real S3-compatible server: moto's standalone server as a process."""

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import time_machine
from botocore.exceptions import EndpointConnectionError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from agencies.choices import UserRole
from agencies.models import User
from cases.models import Attachment, Bundle
from signing.models import IssuedDocument
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, at, birth  # noqa: F401 (an autouse fixture)
from tests.faults.harness import free_port
from tests.pdfs import signed_get
from tests.scans import PDF

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "lien-thong-test"
PREFIX = "ho-so"
REGION = "ap-southeast-1"
KEY = "moto-test-key"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    client: Any  # boto3's S3 client


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """moto's S3-compatible server on a free port, with an empty private bucket."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY, aws_secret_access_key=KEY
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            break
        except EndpointConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield S3Server(endpoint, client)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def bucket(s3_server, settings, tmp_path) -> Iterator[S3Server]:
    """The portal stores its files in the bucket, emptied for each test, as portal/settings.py
    configures it from STORAGE_S3_*; MEDIA_ROOT is a folder of the test's own, to see it stays empty.
    The settings fixture puts STORAGES back afterwards, and Django's setting_changed receiver drops
    the cached storages both times."""
    for found in s3_server.client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3_server.client.delete_object(Bucket=BUCKET, Key=found["Key"])
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server.endpoint,
                "region_name": REGION,
                "access_key": KEY,
                "secret_key": KEY,
                "location": PREFIX,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            },
        },
    }
    yield s3_server


def objects(server: S3Server) -> dict[str, bytes]:
    """Every object in the bucket, by key, with its bytes."""
    keys = [found["Key"] for found in server.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: server.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def media_files(settings) -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


@pytest.fixture
def partner(make_user) -> User:
    return make_user(UserRole.INTEGRATION, username="portal.integration")


def api_of(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(partner: User, name: str, content: bytes):
    """A birth dossier filed through the API with `content` attached to it, as a partner system does."""
    code = api_of(partner).post("/api/v1/bundles/", birth(), format="json").json()["code"]
    scan = SimpleUploadedFile(name, content, content_type="application/pdf")
    return api_of(partner).post(
        f"/api/v1/bundles/{code}/attachments/", {"file": scan, "kind": "Giấy chứng sinh"}, format="multipart"
    )


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_store_in_the_bucket_the_environment_names_and_on_disk_without_one():
    environment = {
        "PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "k", "EMBEDDED": "true",
    }  # fmt: skip
    code = "import django; django.setup(); from django.conf import settings as s; print(s.STORAGES['default'])"
    s3 = {
        "STORAGE_S3_BUCKET": "ho-so-nghe-an", "STORAGE_S3_ENDPOINT_URL": "https://s3.example.gov.vn",
        "STORAGE_S3_REGION": "hn-1", "STORAGE_S3_PREFIX": "/lien-thong/", "STORAGE_S3_ACCESS_KEY": "AK",
        "STORAGE_S3_SECRET_KEY": "SK",
    }  # fmt: skip

    def default_storage(**more: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env={**environment, **more}, capture_output=True, text=True,
            timeout=60, check=True,
        )  # fmt: skip
        return result.stdout.strip()

    assert default_storage() == "{'BACKEND': 'django.core.files.storage.FileSystemStorage'}"
    assert default_storage(**s3) == str(
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "ho-so-nghe-an",
                "endpoint_url": "https://s3.example.gov.vn",
                "region_name": "hn-1",
                "access_key": "AK",
                "secret_key": "SK",
                "location": "lien-thong",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            },
        }
    )
    assert "'access_key': None, 'secret_key': None," in default_storage(STORAGE_S3_BUCKET="ho-so-nghe-an")


def test_an_uploaded_scan_is_a_private_object_in_the_bucket_and_nothing_on_disk(bucket, partner, settings):
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        response = upload(partner, "chung-sinh.pdf", PDF)

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.file.name, attachment.content_type, attachment.size) == (
        "attachments/2026/03/chung-sinh.pdf",
        "application/pdf",
        len(PDF),
    )
    assert objects(bucket) == {f"{PREFIX}/attachments/2026/03/chung-sinh.pdf": PDF}
    grants = bucket.client.get_object_acl(Bucket=BUCKET, Key=f"{PREFIX}/attachments/2026/03/chung-sinh.pdf")["Grants"]
    assert [(grant["Grantee"]["Type"], grant["Permission"]) for grant in grants] == [("CanonicalUser", "FULL_CONTROL")]
    assert media_files(settings) == []


def test_the_scan_comes_from_the_bucket_to_the_dossiers_office_and_to_no_one_else(bucket, partner, make_user, settings):
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        assert upload(partner, "chung-sinh.pdf", PDF).status_code == 201
    attachment = Attachment.objects.get()
    justice = make_user(UserRole.OFFICER, agency_role="civil_status", commune="16690", username="justice-16690")
    elsewhere = make_user(UserRole.OFFICER, agency_role="civil_status", commune="17329", username="justice-17329")

    own = client_of(justice).get(f"/attachments/{attachment.pk}/")
    other = client_of(elsewhere).get(f"/attachments/{attachment.pk}/")

    assert (own.status_code, own["Content-Type"], own.getvalue()) == (200, "application/pdf", PDF)
    assert own["Content-Disposition"] == f'inline; filename="{attachment.bundle.code}-{attachment.pk}.pdf"'
    assert other.status_code == 404
    assert media_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "virus.pdf",
            b"MZ\x90\x00 this is an exe",
            "Chỉ nhận bản quét PDF, JPEG hoặc PNG; tệp này không thuộc loại nào trong đó.",
        ),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "Tệp lớn hơn 10 MB."),
    ],
)
def test_a_refused_upload_leaves_nothing_in_the_bucket(bucket, partner, settings, name, content, message):
    response = upload(partner, name, content)

    assert (response.status_code, response.json()["errors"]) == (400, {"file": [message]})
    assert Attachment.objects.count() == 0
    assert objects(bucket) == {}
    assert media_files(settings) == []


def test_a_signed_receipt_is_kept_in_the_bucket_and_served_from_it(bucket, partner, make_user, signing):
    bundle = Bundle.objects.get(code=api_of(partner).post("/api/v1/bundles/", birth(), format="json").json()["code"])
    signing(unit=bundle.commune)
    month = datetime.datetime.now()

    response = signed_get(client_of(make_user(UserRole.CLERK, commune="16690")), f"/bundles/{bundle.code}/receipt.pdf")

    document = IssuedDocument.objects.get()
    assert document.file.name == f"documents/{month:%Y/%m}/{document.pk}-{bundle.code}-giay-tiep-nhan.pdf"
    assert objects(bucket) == {f"{PREFIX}/{document.file.name}": response.content}
