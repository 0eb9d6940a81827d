"""Signing and checking PDFs against a real test PKI (certomancer as a process: CAs, OCSP, CRLs,
a timestamp authority): what the portal signs validates, intact, trusted, timestamped and covering
the whole file; a changed byte, an untrusted signer and a revoked certificate are each refused with
the reason."""

import datetime

import pytest

from signing.layout import html_to_pdf
from signing.pades import Pkcs12Key, sign_pdf
from signing.verify import verify_pdf


@pytest.fixture(scope="module")
def document():
    return html_to_pdf("<h1>Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h1><p>KS-40-2026-000001</p>")


def signed_by(pki, name, document, **options):
    signer = Pkcs12Key(pki.directory / "keys-p12" / f"{name}.p12", b"pw").signer()
    return sign_pdf(document, signer, tsa_url=pki.tsa_url, **options)


@pytest.mark.parametrize("long_term", [False, True], ids=["B-T", "B-LT"])
def test_a_signed_document_is_intact_trusted_timestamped_and_whole(pki, document, long_term):
    roots = [pki.cert("root")]
    before = datetime.datetime.now(datetime.UTC)
    signed = signed_by(pki, "office", document, long_term_roots=roots if long_term else None, reason="Tiếp nhận")
    assert signed.startswith(document)  # an incremental update: the issued bytes stay as they were
    verdict = verify_pdf(signed, trust_roots=roots)
    assert (verdict.valid, verdict.problems, verdict.timestamped) == (True, [], True)
    assert verdict.signer == "UBND phường Trường Vinh"
    assert verdict.signed_at is not None
    assert before - datetime.timedelta(seconds=5) <= verdict.signed_at <= datetime.datetime.now(datetime.UTC)
    assert (b"/DSS" in signed[len(document) :]) is long_term  # B-LT embeds the validation data


def test_one_changed_byte_is_reported(pki, document):
    signed = bytearray(signed_by(pki, "office", document))
    at = signed.index(b"KS-40") if b"KS-40" in signed else signed.index(b"/MediaBox") + 1
    signed[at] ^= 0x01
    verdict = verify_pdf(bytes(signed), trust_roots=[pki.cert("root")])
    assert (verdict.valid, verdict.problems) == (False, ["Tài liệu đã bị thay đổi sau khi ký."])


def test_a_signer_from_an_untrusted_authority_is_reported(pki, document):
    verdict = verify_pdf(signed_by(pki, "stranger", document), trust_roots=[pki.cert("root")])
    assert (verdict.valid, verdict.problems) == (
        False,
        ["Chứng thư ký không do tổ chức chứng thực mà cổng tin cậy cấp."],
    )


def test_a_revoked_certificate_is_reported(pki, document, settings):
    settings.SIGNING_FETCH_FROM = [f"{pki.url}/"]  # the province's CA: the one address checks ask
    verdict = verify_pdf(signed_by(pki, "revoked", document), trust_roots=[pki.cert("root")])
    assert (verdict.valid, verdict.problems) == (False, ["Chứng thư ký đã bị thu hồi."])


def test_an_unsigned_or_unreadable_file_is_reported(document):
    assert verify_pdf(document, trust_roots=[]).problems == ["Tài liệu không có chữ ký số."]
    assert verify_pdf(b"not a pdf", trust_roots=[]).problems == ["Đây không phải tệp PDF đọc được."]


def test_b_lt_keeps_the_revocation_answers_for_a_while(pki, document, caplog, monkeypatch):
    from signing import pades

    roots = [pki.cert("root")]
    pades._revocation.clear()

    def requests_when_signing() -> tuple[int, bytes]:
        caplog.clear()
        with caplog.at_level("INFO", logger="pyhanko_certvalidator"):
            signed = signed_by(pki, "officer", document, long_term_roots=roots)
        return sum("Requesting" in record.getMessage() for record in caplog.records), signed

    first, _ = requests_when_signing()
    second, signed = requests_when_signing()
    monkeypatch.setattr(pades, "REVOCATION_KEEP_SECONDS", 0.0)
    after_keeping, _ = requests_when_signing()

    assert (first, second, after_keeping) == (2, 0, 2)  # the officer's OCSP answer and the CA's CRL
    assert b"/DSS" in signed[len(document) :]
    assert verify_pdf(signed, trust_roots=roots).valid
