"""Hospital notices signed by xmlsec1 (tests/peers/xmlsec.py), an XML-DSig implementation that is
not ours, in each form a conforming signer writes (.NET's SignedXml's unprefixed inclusive C14N
among them), posted to POST /api/v1/health-notices/; the refusals name why. The facility's
certificate from the test PKI (tests/peers/pki.py) is checked for revocation over its OCSP
responder and CRL."""

import dataclasses

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from health.models import HealthFacility, HealthNotice, NoticeEvent
from health.pki import PLACEHOLDER, envelope, issue, make_signer
from tests.health.conftest import BIRTH, CODE, DEATH
from tests.peers.xmlsec import XMLSEC1, Form, xmlsec_sign, xmlsec_verify

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (bin/system-packages)"),
]
PEM = serialization.Encoding.PEM
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.fixture(scope="module")
def ec_keys(signer):
    """ECDSA keys (P-256, P-384, P-521) and the certificates the facility's CA issued them."""
    keys = {}
    for bits, curve in (("256", ec.SECP256R1()), ("384", ec.SECP384R1()), ("512", ec.SECP521R1())):
        key = ec.generate_private_key(curve)
        keys[bits] = (
            key,
            issue(signer.ca, signer.ca_key, f"Bệnh viện Sản Nhi Nghệ An — ECDSA P-{bits}", key.public_key()),
        )
    return keys


def sign(tmp_path, form: Form, key, certs, kind="birth", code=CODE) -> bytes:
    record = BIRTH if kind == "birth" else DEATH
    template = envelope(code, kind, record).replace(PLACEHOLDER.encode(), form.template().encode())
    return xmlsec_sign(template, _key_pem(key), [_pem(cert) for cert in certs], tmp_path / str(form))


def _refused(response, errors):
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert HealthNotice.objects.count() == NoticeEvent.objects.count() == 0


def _signature_refused(reason: str) -> dict:
    return {"CHUKYDONVI": [f"Chữ ký số của cơ sở y tế không hợp lệ: {reason}."]}


LAYOUTS = [
    Form(prefix=prefix, c14n=c14n, transform=transform)
    for prefix in ("", "ds")
    for c14n in ("c14n10", "c14n11", "exc")
    for transform in ("", c14n)
]
ALGORITHMS = [Form(method=f"rsa-sha{bits}", digest=f"sha{bits}") for bits in (384, 512)]


@pytest.mark.parametrize("form", LAYOUTS + ALGORITHMS, ids=str)
def test_each_form_xmlsec1_signs_with_rsa_is_accepted(post, signer, tmp_path, form):
    body = sign(tmp_path, form, signer.key, [signer.cert])
    assert xmlsec_verify(body, signer.ca_pem.encode(), tmp_path)  # the peer itself finds it valid
    response = post(body)
    assert response.status_code == 201, response.content
    notice = HealthNotice.objects.get()
    assert (notice.kind, notice.certificate_number) == ("birth", "GCS-2026-000123")
    assert notice.signer == f"CN=Bệnh viện Sản Nhi Nghệ An — test,C=VN #{signer.cert.serial_number:x}"


@pytest.mark.parametrize("bits", ["256", "384", "512"])
@pytest.mark.parametrize("prefix", ["", "ds"])
def test_ecdsa_signatures_are_accepted(post, signer, ec_keys, tmp_path, bits, prefix):
    key, cert = ec_keys[bits]
    form = Form(prefix=prefix, method=f"ecdsa-sha{bits}", digest=f"sha{bits}")
    body = sign(tmp_path, form, key, [cert], kind="death")
    assert xmlsec_verify(body, signer.ca_pem.encode(), tmp_path)
    response = post(body)
    assert response.status_code == 201, response.content
    assert (
        HealthNotice.objects.get().signer
        == f"CN=Bệnh viện Sản Nhi Nghệ An — ECDSA P-{bits},C=VN #{cert.serial_number:x}"
    )


@pytest.mark.parametrize(
    ("form", "algorithm"),
    [(Form(method="rsa-sha1", digest="sha1"), "RSA_SHA1"), (Form(digest="sha1"), "SHA1")],
    ids=["rsa-sha1", "sha1-digest"],
)
def test_sha1_is_refused_by_name(post, signer, tmp_path, form, algorithm):
    body = sign(tmp_path, form, signer.key, [signer.cert])
    assert xmlsec_verify(body, signer.ca_pem.encode(), tmp_path)  # valid, only weak
    reason = f"{algorithm} không được chấp nhận: hãy ký bằng SHA-256 trở lên (RSA hoặc ECDSA)"
    _refused(post(body), _signature_refused(reason))


def test_an_unprefixed_notice_changed_after_signing_is_refused(post, signer, tmp_path):
    body = sign(tmp_path, Form(), signer.key, [signer.cert])
    tampered = body.replace(b"<SOLUONGHOSO>1</SOLUONGHOSO>", b"<SOLUONGHOSO>2</SOLUONGHOSO>")
    assert tampered != body and not xmlsec_verify(tampered, signer.ca_pem.encode(), tmp_path)
    _refused(post(tampered), _signature_refused("nội dung đã ký bị thay đổi sau khi ký"))


def test_a_signature_wrapping_the_signed_envelope_is_refused(post, signer, tmp_path):
    """Signature wrapping: the signed original moved into the signature's Object, forged content
    where it was; and the signed original wrapped in a forged envelope."""
    body = sign(tmp_path, Form(), signer.key, [signer.cert])
    original = etree.fromstring(body)
    forged = etree.fromstring(envelope(CODE, "birth", {**BIRTH, "SO_CCCD_NND": "040195009999"}))
    chukydonvi = forged.find("CHUKYDONVI")
    chukydonvi.remove(chukydonvi[0])
    signature = original.find(f"CHUKYDONVI/{DSIG}Signature")
    original.find("CHUKYDONVI").remove(signature)
    etree.SubElement(signature, f"{DSIG}Object").append(original)
    chukydonvi.append(signature)
    _refused(post(etree.tostring(forged)), _signature_refused("nội dung đã ký bị thay đổi sau khi ký"))

    wrapper = etree.fromstring(envelope(CODE, "birth", {**BIRTH, "SO_CCCD_NND": "040195009999"}))
    wrapper.find("CHUKYDONVI").remove(wrapper.find("CHUKYDONVI")[0])
    wrapper.find("THONGTINDONVI").append(etree.fromstring(body))
    _refused(post(etree.tostring(wrapper)), _signature_refused("phong bì không có chữ ký trong CHUKYDONVI"))


def test_a_second_signed_document_in_the_envelope_is_refused(post, signer, tmp_path):
    first = etree.fromstring(sign(tmp_path / "1", Form(), signer.key, [signer.cert]))
    second = etree.fromstring(sign(tmp_path / "2", Form(), signer.key, [signer.cert], kind="death"))
    first.find("THONGTINHOSO").append(second)
    _refused(post(etree.tostring(first)), _signature_refused("phong bì có 2 chữ ký, chỉ được có một"))


def test_a_certificate_under_a_ca_the_province_did_not_register_is_refused(post, stranger, tmp_path):
    body = sign(tmp_path, Form(), stranger.key, [stranger.cert])
    reason = "chứng thư ký không thuộc tổ chức chứng thực đã đăng ký cho cơ sở này"
    _refused(post(body), _signature_refused(reason))


def test_the_certificate_of_another_facility_is_refused(post, make_user, tmp_path):
    """Another facility, registered with its own CA, signs a notice in this facility's name."""
    from agencies.choices import UserRole

    other = make_signer("Sở Y tế Hà Tĩnh — test CA", "Bệnh viện Đa khoa Hà Tĩnh — test")
    HealthFacility.objects.create(
        code="42001",
        name="Bệnh viện Đa khoa Hà Tĩnh",
        client=make_user(UserRole.HEALTH_FACILITY, username="bv-hatinh"),
        ca_pem=other.ca_pem,
    )
    body = sign(tmp_path, Form(), other.key, [other.cert])
    reason = "chứng thư ký không thuộc tổ chức chứng thực đã đăng ký cho cơ sở này"
    _refused(post(body), _signature_refused(reason))


@pytest.fixture
def pki_facility(facility, pki, settings):
    """The facility registered with the test PKI's root: its certificates carry the PKI's CRL and
    OCSP addresses, which the portal asks, as the province configured that CA's address."""
    settings.SIGNING_FETCH_FROM = [f"{pki.url}/"]
    facility.ca_pem = pki.root_pem().decode()
    facility.save()
    return facility


def _pki_sign(pki, tmp_path, label: str) -> bytes:
    key = (pki.directory / "keys" / f"{label}.key.pem").read_bytes()
    certs = [x509.load_der_x509_certificate(pki.cert(name).dump()) for name in (label, "interm")]
    template = envelope(CODE, "birth", BIRTH).replace(PLACEHOLDER.encode(), Form().template().encode())
    return xmlsec_sign(template, key, [_pem(cert) for cert in certs], tmp_path / label)


def test_a_facility_certificate_that_is_not_revoked_is_accepted(post, pki, pki_facility, tmp_path):
    response = post(_pki_sign(pki, tmp_path, "office"))
    assert response.status_code == 201, response.content
    assert HealthNotice.objects.get().signer.startswith("CN=UBND phường Trường Vinh,")


def test_a_revoked_facility_certificate_is_refused_by_name(post, pki, pki_facility, tmp_path):
    body = _pki_sign(pki, tmp_path, "revoked")
    assert xmlsec_verify(body, pki.root_pem(), tmp_path)  # xmlsec1 without revocation data finds it valid
    reason = "chứng thư số của cơ sở (Revoked signer) đã bị tổ chức chứng thực thu hồi"
    _refused(post(body), _signature_refused(reason))


def test_forms_listed_are_distinct():
    assert len({str(form) for form in LAYOUTS + ALGORITHMS}) == len(LAYOUTS + ALGORITHMS) == 14
    assert dataclasses.replace(Form(), prefix="ds").template().startswith('<ds:Signature xmlns:ds="')
