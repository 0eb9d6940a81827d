"""A certificate authority and a facility's signing certificate made on the spot (cryptography),
and a notice signed with them (signxml): what `seed_demo_notices` gives `make run` and what the
tests sign with. Never trusted outside the demo: the province registers each facility's real CA."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

PLACEHOLDER = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>'


@dataclass
class Signer:
    """A CA and one certificate it issued for signing, with its key."""

    ca: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def ca_pem(self) -> str:
        return self.ca.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, envelope: bytes) -> bytes:
        """The envelope signed as a whole (one enveloped reference, URI=""), RSA-SHA256, the
        signature where the envelope's placeholder is (in CHUKYDONVI)."""
        root = etree.fromstring(envelope, etree.XMLParser(resolve_entities=False, no_network=True))
        signed = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256").sign(
            root, key=self.key, cert=[self.cert]
        )
        return etree.tostring(signed, xml_declaration=True, encoding="utf-8")


def _name(common_name: str, subject_id: str = "") -> x509.Name:
    """A subject in Vietnam; with `subject_id`, the UID a Vietnamese CA writes the holder's tax code
    in ("MST:2900325869")."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if subject_id:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, subject_id))
    return x509.Name(attributes)


def _usage(**allowed: bool) -> x509.KeyUsage:
    names = [
        *("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement"),
        *("key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
    ]
    return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})


def make_signer(ca_name: str, signer_name: str, *, valid_days: int = 365, subject_id: str = "") -> Signer:
    """A fresh CA (RSA 2048, SHA-256) and a signing certificate it issued (digitalSignature and
    nonRepudiation only: signxml refuses a certificate that may not sign, or the CA's own)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(ca_name))
        .issuer_name(_name(ca_name))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue(ca, ca_key, signer_name, key.public_key(), valid_days=valid_days, subject_id=subject_id)
    return Signer(ca=ca, ca_key=ca_key, cert=cert, key=key)


def issue(
    ca: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    signer_name: str,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    valid_days: int = 365,
    subject_id: str = "",
) -> x509.Certificate:
    """A signing certificate `ca` issues for `public_key` (RSA or EC)."""
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, subject_id))
        .issuer_name(ca.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def envelope(facility_code: str, kind: str, record: dict[str, str]) -> bytes:
    """An unsigned envelope (GIAMDINHHS) carrying one record: `kind` "birth" (XML9,
    DU_LIEU_GIAY_CHUNG_SINH) or "death" (GIAYBAOTU, DU_LIEU_GIAY_BAO_TU), with a placeholder where
    the signature goes."""
    file_type, outer, listing, tag = {
        "birth": ("XML9", "CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH", "DSACH_GIAYCHUNGSINH", "DU_LIEU_GIAY_CHUNG_SINH"),
        "death": ("GIAYBAOTU", "CHI_TIEU_DU_LIEU_GIAY_BAO_TU", "DSACH_GIAYBAOTU", "DU_LIEU_GIAY_BAO_TU"),
    }[kind]
    fields = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in record.items())
    inner = f'<?xml version="1.0" encoding="utf-8"?><{outer}><{listing}><{tag}>{fields}</{tag}></{listing}></{outer}>'
    content = base64.b64encode(inner.encode()).decode()
    return (
        f"<GIAMDINHHS><THONGTINDONVI><MACSKCB>{escape(facility_code)}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{datetime.date.today():%Y%m%d}</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO>"
        f"<DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>{file_type}</LOAIHOSO><NOIDUNGFILE>{content}</NOIDUNGFILE>"
        f"</FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI>{PLACEHOLDER}</CHUKYDONVI></GIAMDINHHS>"
    ).encode()
