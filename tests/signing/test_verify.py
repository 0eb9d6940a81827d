"""Anyone checks a document: POST /api/v1/verify/ and the /verify/ page answer whether a PDF is one
this portal issued, unchanged, who signed it and when, for which dossier; the token in a
document's QR code names what the portal issued."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from agencies.choices import UserRole
from cases.models import Bundle
from signing.models import IssuedDocument
from signing.pades import Pkcs12Key, sign_pdf
from signing.selectors import document_token
from tests.cases.conftest import birth
from tests.pdfs import pdf_text, signed_get

pytestmark = pytest.mark.django_db

OFFICE = "UBND phường Trường Vinh"


@pytest.fixture
def receipt(api, integration, make_user, signing):
    """A receipt the portal issued and signed, as the clerk downloaded it."""
    bundle = Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])
    signing(unit=bundle.commune)
    client = Client()
    client.force_login(make_user(UserRole.CLERK, commune="16690"))
    return signed_get(client, f"/bundles/{bundle.code}/receipt.pdf").content


def check(api, content: bytes, name: str = "giay-tiep-nhan.pdf"):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return api().post("/api/v1/verify/", {"file": upload}, format="multipart")


def test_a_document_the_portal_issued_is_valid_and_names_its_dossier(api, receipt):
    answer = check(api, receipt)

    document = IssuedDocument.objects.get()
    body = answer.json()
    assert answer.status_code == 200
    assert body.pop("signed_at")[:10] == timezone.localdate(document.signed_at).isoformat()  # the +07:00 day
    assert body == {
        "valid": True,
        "issued_by_portal": True,
        "signer": OFFICE,
        "dossier": document.bundle.code,
        "document": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "problems": [],
    }
    assert "Kiểm tra bản này: quét mã QR" in pdf_text(receipt)


def test_a_changed_copy_is_not_valid_and_not_the_portals(api, receipt):
    changed = bytearray(receipt)
    changed[receipt.index(b"/MediaBox") + 1] ^= 0x01

    body = check(api, bytes(changed)).json()

    assert (body["valid"], body["issued_by_portal"], body["dossier"]) == (False, False, None)
    assert body["problems"] == ["Tài liệu đã bị thay đổi sau khi ký."]


def test_a_valid_signature_from_elsewhere_is_said_to_be_not_the_portals(api, pki, signing):
    from signing.layout import html_to_pdf

    signer = Pkcs12Key(pki.directory / "keys-p12" / "civil-status.p12", b"pw").signer()
    extract = sign_pdf(html_to_pdf("<p>Trích lục khai sinh</p>"), signer, tsa_url=pki.tsa_url)

    body = check(api, extract).json()

    assert (body["valid"], body["issued_by_portal"], body["problems"]) == (True, False, [])
    assert body["signer"] == "Hệ thống đăng ký, quản lý hộ tịch"


def test_an_untrusted_signer_and_a_file_that_is_no_pdf_are_said(api, pki, signing):
    from signing.layout import html_to_pdf

    signer = Pkcs12Key(pki.directory / "keys-p12" / "stranger.p12", b"pw").signer()
    forged = sign_pdf(html_to_pdf("<p>Giấy tiếp nhận</p>"), signer, tsa_url=pki.tsa_url)

    assert check(api, forged).json()["problems"] == ["Chứng thư ký không do tổ chức chứng thực mà cổng tin cậy cấp."]
    assert check(api, b"GIF89a").json()["problems"] == ["Đây không phải tệp PDF đọc được."]


def test_no_file_is_refused_naming_the_field(api, signing):
    answer = api().post("/api/v1/verify/", {}, format="multipart")

    assert answer.status_code == 400
    assert "file" in answer.json()["errors"]


def test_the_page_checks_an_upload_and_the_token_of_a_qr_code(receipt, client):
    document = IssuedDocument.objects.get()

    uploaded = client.post("/verify/", {"file": SimpleUploadedFile("r.pdf", receipt, "application/pdf")})
    by_token = client.get("/verify/", {"t": document_token(document)})
    forged = client.get("/verify/", {"t": document_token(document)[:-2] + "xx"})

    assert "Hợp lệ: do cổng này ban hành và chưa bị thay đổi" in uploaded.content.decode()
    assert document.bundle.code in uploaded.content.decode()
    page = by_token.content.decode()
    assert "Do cổng này ban hành" in page and document.bundle.code in page and "UBND phường Trường Vinh" in page
    assert "Giấy tờ có thể bị làm giả" in forged.content.decode()


def test_the_page_counts_the_checks_of_one_address(client, settings, signing):
    settings.VERIFY_PAGE_ATTEMPTS = 1

    first = client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", b"GIF89a", "application/pdf")})
    second = client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", b"GIF89a", "application/pdf")})

    assert (first.status_code, second.status_code) == (200, 429)
    assert "Đây không phải tệp PDF đọc được." in first.content.decode()
    assert "Tra cứu quá nhiều lần. Hãy chờ một phút rồi thử lại." in second.content.decode()


def test_a_receipt_an_archive_extended_to_b_lta_is_still_the_portals_and_valid(api, receipt, pki):
    """Issue 27 §3: an archive adds a document timestamp after the portal's signature (PAdES B-LTA,
    as `pyhanko sign ltaupdate` does); the portal's signature is still judged, and valid."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    archived = PdfTimeStamper(HTTPTimeStamper(pki.tsa_url)).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(receipt)), "sha256"
    )

    body = check(api, archived.getvalue()).json()
    assert (body["valid"], body["signer"], body["problems"]) == (True, OFFICE, [])


def test_a_signature_that_cannot_be_read_is_said_in_a_sentence_not_the_librarys_words(api, receipt):
    """Issue 27 §3: a broken signature value is told as what it means to the citizen."""
    start = receipt.index(b"/Contents <") + len(b"/Contents <") + 3000  # inside the signer's attributes
    broken = receipt[:start] + b"0" * 64 + receipt[start + 64 :]

    body = check(api, broken).json()
    assert (body["valid"], body["problems"]) == (
        False,
        ["Chữ ký số trong tệp bị hỏng, không kiểm tra được: tệp không còn như khi được ký."],
    )


@pytest.fixture
def stranger_pdf(pki, tmp_path):
    """A PDF signed by a certificate whose issuer is not in the file and whose OCSP responder, CRL
    and issuer certificate are addresses of the uploader's choosing (a receiver process here)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
    from pyhanko.sign import signers

    from signing.layout import html_to_pdf
    from tests.faults.harness import free_port
    from tests.peers import Receiver

    receiver = Receiver(free_port(), tmp_path / "fetched.jsonl").start()
    where = f"http://127.0.0.1:{receiver.port}"
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, key, signing_key, ca, extensions=()):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
        builder = (
            x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )  # fmt: skip
        for extension in extensions:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    certificate("Hidden CA", "Hidden CA", ca_key, ca_key, True)
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{where}/ocsp")),
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(f"{where}/ca.crt")
            ),
        ]
    )
    crl = x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(f"{where}/ca.crl")], None, None, None)]
    )
    leaf = certificate("Người lạ", "Hidden CA", key, ca_key, False, [aia, crl])
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = signers.SimpleSigner.load(str(tmp_path / "leaf.key"), str(tmp_path / "leaf.pem"))
    document = html_to_pdf("<h1>Giấy tờ giả</h1>")
    yield sign_pdf(document, signer, tsa_url=pki.tsa_url), receiver
    receiver.stop()


def test_a_strangers_document_makes_the_portal_fetch_nothing_it_names(api, client, stranger_pdf, settings):
    """Issue 28 §1: the addresses written in an uploaded file's certificate (OCSP, CRL, issuer)
    are never fetched, by the API or the page: the file is judged offline, against the trust
    roots and what it carries."""
    settings.SIGNING_TSA_URL, settings.SIGNING_FETCH_FROM = "", []
    pdf, receiver = stranger_pdf

    body = check(api, pdf).json()
    page = client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", pdf, content_type="application/pdf")})

    assert (body["valid"], body["problems"]) == (
        False,
        ["Chứng thư ký không do tổ chức chứng thực mà cổng tin cậy cấp.", "Chữ ký không có dấu thời gian hợp lệ."],
    )
    assert page.status_code == 200
    assert receiver.requests() == []


def test_checks_from_one_address_or_from_everyone_run_a_few_at_a_time(api, client, receipt, settings):
    """Issue 28 §1: while this address's checks (or everyone's) fill their places, one more is
    told to wait (429, page and API), and takes no place itself; once one ends, it runs."""
    from django.core.cache import cache

    settings.VERIFY_RUNNING_PER_ADDRESS, settings.VERIFY_RUNNING = 2, 3
    upload = {"file": SimpleUploadedFile("a.pdf", receipt, content_type="application/pdf")}
    waiting = "Một lần kiểm tra khác đang chạy: chờ nó xong rồi thử lại."

    cache.set("verify:running:127.0.0.1", 2)  # two of this address's checks are running
    busy = check(api, receipt)
    page = client.post("/verify/", upload)
    cache.set("verify:running:127.0.0.1", 0)
    cache.set("verify:running", 3)  # three checks from elsewhere
    crowded = check(api, receipt)
    cache.set("verify:running", 2)
    ran = check(api, receipt)

    assert (busy.status_code, busy.json()) == (429, {"detail": waiting})
    assert page.status_code == 429 and waiting in page.content.decode()
    assert (crowded.status_code, ran.status_code, ran.json()["valid"]) == (429, 200, True)
    assert (cache.get("verify:running:127.0.0.1"), cache.get("verify:running")) == (0, 2)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://ocsp.ca.vn/", True),
        ("http://ocsp.ca.vn/ocsp/check", True),
        ("http://ocsp.ca.vn@169.254.169.254/latest/meta-data/", False),  # the host after the user name
        ("http://ocsp.ca.vn.attacker.example/", False),
        ("https://ocsp.ca.vn/", False),
        ("http://ocsp.ca.vn:8080/", False),
        ("http://ocsp.ca.vn:x/", False),
    ],
)
def test_an_address_is_allowed_as_an_address_not_as_text(url, allowed):
    """Review of issue 28 §1: SIGNING_FETCH_FROM=http://ocsp.ca.vn allows that host, not every
    address whose text begins the same."""
    from signing.fetching import within

    assert within(url, "http://ocsp.ca.vn") is allowed
