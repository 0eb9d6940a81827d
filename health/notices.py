"""Reading a hospital notice: check the facility's signature (XML-DSig, signxml) or the FHIR
bundle's structure (fhir.resources), then map either onto one internal shape, `Parsed`, whose
`data` holds the filing sections it fills. Anything wrong is `Invalid`, naming the field.

The signature is taken in every form a conforming signer writes (prefixed or not, inclusive or
exclusive C14N, RSA or ECDSA with SHA-256/384/512, never SHA-1), and the facility's certificate is
checked for revocation (pyhanko-certvalidator, as signed PDFs are). `parse_gateway` reads the same
envelope as the Social Security gateway takes it: several tables, the notices among them kept.

The XML is the Ministry of Health's exchange envelope (GIAMDINHHS: the facility's code in
THONGTINDONVI/MACSKCB, each file base64 in DANHSACHHOSO/HOSO/FILEHOSO/NOIDUNGFILE, the facility's
signature in CHUKYDONVI) carrying table 9 of Decision 130/QĐ-BYT (LOAIHOSO "XML9", the birth
certificate, DU_LIEU_GIAY_CHUNG_SINH). The field names come from independent HIS implementations;
no primary text of the table was at hand, and the death notice's table and file type ("GIAYBAOTU",
DU_LIEU_GIAY_BAO_TU) are this portal's own until the Ministry's are known (docs/integrations.md, "Hospital
notices"). The FHIR variant is this portal's profile of an R4B `collection` bundle.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, VerifyResult, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, SignXMLException
from signxml.util import X509CertChainVerifier

from health.models import HealthFacility, NoticeFormat, NoticeKind
from portal.errors import Invalid
from portal.middleware import NUL_MESSAGE, nul_paths

logger = logging.getLogger(__name__)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DS = "{http://www.w3.org/2000/09/xmldsig#}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
SIGNATURE = SignatureConfiguration(
    location=settings.HEALTH_NOTICE_SIGNATURE_LOCATION,
    expect_references=1,
    signature_methods=frozenset(
        {
            SignatureMethod.RSA_SHA256,
            SignatureMethod.RSA_SHA384,
            SignatureMethod.RSA_SHA512,
            SignatureMethod.ECDSA_SHA256,
            SignatureMethod.ECDSA_SHA384,
            SignatureMethod.ECDSA_SHA512,
        }
    ),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}),
)
# LOAIHOSO → (kind, the inner document's record element)
FILE_TYPES = {
    "XML9": (NoticeKind.BIRTH, "DU_LIEU_GIAY_CHUNG_SINH"),
    "GIAYBAOTU": (NoticeKind.DEATH, "DU_LIEU_GIAY_BAO_TU"),
}
FHIR_KINDS = {"urn:lienthong:giay-chung-sinh": NoticeKind.BIRTH, "urn:lienthong:giay-bao-tu": NoticeKind.DEATH}
CCCD, MACSKCB = "urn:lienthong:cccd", "urn:lienthong:macskcb"
SEXES = {"1": "male", "2": "female", "male": "male", "female": "female"}  # 3 / "unknown": left for the applicant


@dataclass
class Parsed:
    kind: str
    format: str
    certificate_number: str
    data: dict[str, Any]
    offered_to: str
    event_at: datetime.datetime
    book: str = ""
    link_code: str = ""
    address_codes: tuple[str, ...] = ()  # (province, district, commune) of the residence, old codes allowed
    signer: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


def parse(facility: HealthFacility, body: bytes, content_type: str) -> Parsed:
    """The notice in `body`, checked for `facility`: XML must carry its valid signature; a FHIR
    bundle comes over the facility's own API credentials."""
    if not facility.active:
        raise Invalid({"MACSKCB": [_("This health facility is not active: the province has suspended its notices.")]})
    if "json" in content_type:
        return _fhir(facility, body)
    if "xml" in content_type:
        return _xml(facility, body)
    raise Invalid({"Content-Type": [_("Send the notice as application/xml (signed) or application/fhir+json.")]})


# --- signed XML --------------------------------------------------------------------------------
class WeakAlgorithm(InvalidInput):
    """A signature or digest algorithm the configuration refuses (SHA-1), by its name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class FacilityVerifier(XMLVerifier):
    """signxml's verifier with the facility's registered CAs as the only trust store (signxml would
    otherwise trust the public web CAs, or take a file path), keeping the chain it verified
    (`chain`, the signing certificate first) for the revocation check. Overrides undocumented
    hooks, so signxml is pinned (pyproject.toml)."""

    def __init__(self, ca_pem: str) -> None:
        super().__init__()
        self.cas = _certificates(ca_pem)
        self.chain: list[x509.Certificate] = []

    def get_cert_chain_verifier(self, ca_pem_file: Any, ee_policy: Any, ca_policy: Any) -> X509CertChainVerifier:
        cas, outer = self.cas, self

        class Verifier(X509CertChainVerifier):
            @property
            def store(self) -> x509.verification.Store:
                return x509.verification.Store(cas)

            def verify(self, cert_chain: list[x509.Certificate]) -> x509.Certificate:
                signing = super().verify(cert_chain)
                outer.chain = [signing, *(cert for cert in cert_chain if cert != signing)]
                return signing

        return Verifier(verification_time=self._get_cert_verification_time(), ee_policy=ee_policy, ca_policy=ca_policy)

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> bytes:
        """lxml's inclusive canonicalization of a SignedInfo in the default namespace (an unprefixed
        `<Signature xmlns="…xmldsig#">`, as .NET's SignedXml and xmlsec1 write it) adds `xmlns=""`
        to the elements below its children (signxml issues #193, #275): drop them there, and only
        there, where the schema signxml checks puts every element in the xmldsig namespace, so an
        empty default namespace is never the signer's. The signed document itself is left exact."""
        c14n = super()._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        if getattr(nodes, "tag", None) == f"{DS}SignedInfo":
            c14n = c14n.replace(b' xmlns=""', b"")
        return c14n

    def check_signature_alg_expected(self, signature_alg: SignatureMethod) -> None:
        if signature_alg not in self.config.signature_methods:
            raise WeakAlgorithm(signature_alg.name)

    def check_digest_alg_expected(self, digest_alg: DigestAlgorithm) -> None:
        if digest_alg not in self.config.digest_algorithms:
            raise WeakAlgorithm(digest_alg.name)


def _refused(reason: str) -> Invalid:
    return Invalid({"CHUKYDONVI": [_("The facility's signature is not valid: %(reason)s.") % {"reason": reason}]})


def _signature_refused(problem: SignXMLException) -> Invalid:
    if isinstance(problem, InvalidDigest):
        return _refused(_("the signed content was changed after signing"))
    if isinstance(problem, InvalidCertificate):
        return _refused(_("the signing certificate is not one of the facility's registered certificate authorities"))
    if isinstance(problem, WeakAlgorithm):
        return _refused(
            _("%(algorithm)s is not accepted: sign with SHA-256 or stronger (RSA or ECDSA)")
            % {"algorithm": problem.name}
        )
    logger.info("hospital notice signature refused: %s", problem)
    if isinstance(problem, InvalidInput) and "Expected to find XML element Signature" in str(problem):
        return _refused(_("the envelope carries no signature in CHUKYDONVI"))
    return _refused(_("the signature does not match the signed content or the certificate"))


def _cn(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _bound(facility: HealthFacility, chain: list[x509.Certificate], cas: list[x509.Certificate]) -> None:
    """The signing certificate is this facility's, not only its CA's: when the facility names what
    its certificates carry (`signer_ids`), or when a CA in the chain is registered for another
    facility too (two hospitals buying from one CA), the certificate's subject must carry one of
    the facility's identifiers as a whole value or a whole part of one ("MST:2900325869")."""
    issuers = {cert.issuer for cert in chain}
    used = {ca.fingerprint(hashes.SHA256()) for ca in cas if ca.subject in issuers}
    shared = any(
        used & {ca.fingerprint(hashes.SHA256()) for ca in _certificates(other.ca_pem)}
        for other in HealthFacility.objects.filter(active=True).exclude(pk=facility.pk).only("ca_pem")
    )
    wanted = {part.strip().casefold() for part in facility.signer_ids.split(",") if part.strip()}
    if not (wanted or shared):
        return
    carried = set()
    for attribute in chain[0].subject:
        value = str(attribute.value).casefold()
        carried |= {value, *(part for part in re.split(r"[\s:;,=/]+", value) if part)}
    if not wanted & carried:
        name = chain[0].subject.rfc4514_string()
        raise _refused(
            _("the signing certificate (%(name)s) does not carry this facility's identifier %(ids)s")
            % {"name": name, "ids": facility.signer_ids or _("(none registered: the province must register it)")}
        )


def _certificates(pem: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        return []


def _not_revoked(chain: list[x509.Certificate], cas: list[x509.Certificate]) -> None:
    """The signing certificate checked for revocation, by OCSP or CRL where it names them, as the
    portal checks a signed PDF's (pyhanko-certvalidator, soft-fail: an answer that cannot be had
    does not refuse, a revoked certificate does)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError

    from signing import outside_event_loop
    from signing.fetching import AllowedAddresses

    def load(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    async def validate() -> None:
        roots = [load(ca) for ca in cas]
        # Fetched only from the province's configured addresses (signing.fetching), never one the
        # notice's certificate names.
        given = ValidationContext(trust_roots=roots, allow_fetching=True, fetcher_backend=AllowedAddresses())
        async with contextlib.aclosing(given) as context:
            validator = CertificateValidator(
                load(chain[0]), intermediate_certs=[load(cert) for cert in chain[1:]], validation_context=context
            )
            await validator.async_validate_usage({"digital_signature"})

    try:
        outside_event_loop(lambda: asyncio.run(validate()))
    except RevokedError:
        raise _refused(
            _("the facility's certificate (%(name)s) has been revoked by its certificate authority")
            % {"name": _cn(chain[0])}
        ) from None
    except (PathBuildingError, PathValidationError) as problem:
        logger.info("hospital notice certificate refused: %s", problem)
        raise _refused(
            _("the signing certificate could not be validated against the facility's certificate authorities")
        ) from None


def _signed_envelope(facility: HealthFacility, body: bytes) -> tuple[etree._Element, str]:
    """What the facility's one signature covers (never the bytes as posted), and who signed it,
    once the signature, its certificate's chain to the facility's CAs and its revocation are
    checked and the envelope is found to be the facility's."""
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as problem:
        raise Invalid({"body": [_("The notice is not well-formed XML: %(error)s") % {"error": problem}]}) from None
    signatures = len(root.findall(f".//{DS}Signature")) + (root.tag == f"{DS}Signature")
    if signatures > 1:
        raise _refused(_("the envelope carries %(n)d signatures, one is expected") % {"n": signatures})
    verifier = FacilityVerifier(facility.ca_pem)
    try:
        result = verifier.verify(root, parser=PARSER, expect_config=SIGNATURE)
    except SignXMLException as problem:
        raise _signature_refused(problem) from None
    except etree.DocumentInvalid as problem:  # a Signature element that is not an XML signature
        logger.info("hospital notice signature malformed: %s", problem)
        raise _refused(_("the envelope carries no complete signature in CHUKYDONVI")) from None
    except ValueError as problem:  # an X509Certificate that is not a certificate (bad base64, DER)
        logger.info("hospital notice certificate unreadable: %s", problem)
        raise _refused(_("the signing certificate in the signature cannot be read")) from None
    assert isinstance(result, VerifyResult)  # one reference expected: one result
    envelope = result.signed_xml
    if envelope is None or envelope.tag != "GIAMDINHHS":
        raise _refused(_("it must cover the whole GIAMDINHHS envelope"))
    if verifier.chain:
        _bound(facility, verifier.chain, verifier.cas)
        _not_revoked(verifier.chain, verifier.cas)
    if (code := envelope.findtext("THONGTINDONVI/MACSKCB") or "").strip() != facility.code:
        message = _("The notice is from facility %(code)s, not from this API client's.") % {"code": code}
        raise Invalid({"MACSKCB": [message]})
    signer = ""
    if verifier.chain:
        signer = f"{verifier.chain[0].subject.rfc4514_string()} #{verifier.chain[0].serial_number:x}"[:300]
    return envelope, signer


def _notice(facility: HealthFacility, file: etree._Element, signer: str) -> Parsed:
    """The notice in one FILEHOSO of a kind in FILE_TYPES."""
    kind, record_tag = FILE_TYPES[(file.findtext("LOAIHOSO") or "").strip()]
    try:
        inner = etree.fromstring(base64.b64decode(file.findtext("NOIDUNGFILE") or "", validate=True), PARSER)
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        raise Invalid({"NOIDUNGFILE": [_("Not a base64-encoded XML document.")]}) from None
    records = inner.findall(f".//{record_tag}")
    if len(records) != 1:
        raise Invalid({record_tag: [_("Send one notice per request.")]})
    values = {child.tag: (child.text or "").strip() for child in records[0] if isinstance(child.tag, str)}
    reader = Fields(record_tag, values)
    parsed = _birth_xml(reader, facility) if kind == NoticeKind.BIRTH else _death_xml(reader, facility)
    reader.raise_problems()
    parsed.signer = signer
    return parsed


def _xml(facility: HealthFacility, body: bytes) -> Parsed:
    envelope, signer = _signed_envelope(facility, body)
    files = envelope.findall("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
    if len(files) != 1:
        raise Invalid({"DANHSACHHOSO": [_("Send one notice per request.")]})
    file_type = (files[0].findtext("LOAIHOSO") or "").strip()
    if file_type not in FILE_TYPES:
        raise Invalid({"LOAIHOSO": [_("Unknown file type %(type)s: XML9 or GIAYBAOTU.") % {"type": file_type}]})
    return _notice(facility, files[0], signer)


def parse_gateway(facility: HealthFacility, body: bytes) -> list[Parsed]:
    """The notices in an envelope as the Social Security gateway takes it: several tables
    (XML1…XML15), of which the birth certificate (XML9) and the death notice are read and the
    others ignored; the whole envelope's signature checked as for one notice."""
    if not facility.active:
        raise Invalid({"MACSKCB": [_("This health facility is not active: the province has suspended its notices.")]})
    envelope, signer = _signed_envelope(facility, body)
    files = envelope.findall("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
    return [
        _notice(facility, file, signer) for file in files if (file.findtext("LOAIHOSO") or "").strip() in FILE_TYPES
    ]


class Fields:
    """The values of one record, read with the problems of each named field collected."""

    def __init__(self, prefix: str, values: dict[str, str]) -> None:
        self.prefix, self.values = prefix, values
        self.problems: dict[str, list[str]] = {}

    def refuse(self, name: str, message: str) -> None:
        self.problems.setdefault(f"{self.prefix}.{name}", []).append(message)

    def text(self, name: str, *, required: bool = False, max_length: int = 300) -> str:
        value = self.values.get(name, "")
        if required and not value:
            self.refuse(name, _("This field is required."))
        elif len(value) > max_length:
            self.refuse(name, _("At most %(n)d characters.") % {"n": max_length})
        return value[:max_length]

    def id_number(self, name: str) -> str:
        value = self.text(name, required=True)
        if value and not re.fullmatch(r"[0-9]{12}", value):
            self.refuse(name, _("A personal ID number has 12 digits."))
        return value

    def moment(self, name: str, *, required: bool = True) -> datetime.datetime | None:
        """yyyymmdd or yyyymmddHHMM, Vietnam's time."""
        value = self.text(name, required=required)
        pattern = {8: "%Y%m%d", 12: "%Y%m%d%H%M"}.get(len(value) if value.isdigit() else 0)
        if pattern:
            try:
                return datetime.datetime.strptime(value, pattern).replace(tzinfo=VIETNAM)
            except ValueError:
                pass
        if value:
            self.refuse(name, _("Not a date (yyyymmdd or yyyymmddHHMM)."))
        return None

    def day(self, name: str, *, required: bool = False) -> str:
        moment = self.moment(name, required=required)
        return moment.date().isoformat() if moment else ""

    def raise_problems(self) -> None:
        if self.problems:
            raise Invalid(self.problems)


def _birth_xml(f: Fields, facility: HealthFacility) -> Parsed:
    born = f.moment("NGAY_SINH_CON")
    sex = SEXES.get(f.text("GIOI_TINH_CON", required=True), "")
    number = f.text("SO", required=True, max_length=50)
    child = {
        "full_name": f.text("HO_TEN_CON", max_length=200),
        "sex": sex,
        "date_of_birth": born.date().isoformat() if born else "",
        "place_of_birth": f.text("NOI_SINH_CON", max_length=300) or facility.name,
        "birth_certificate_number": number,
    }
    mother = {
        "full_name": f.text("HO_TEN_NND", required=True, max_length=200),
        "date_of_birth": f.day("NGAYSINH_NND"),
        "id_number": f.id_number("SO_CCCD_NND"),
    }
    data = {"child": _filled(child), "mother": _filled(mother)}
    if father := f.text("HO_TEN_CHA", max_length=200):
        data["father"] = {"full_name": father}
    weight = f.text("CAN_NANG_CON", max_length=10)
    return Parsed(
        kind=NoticeKind.BIRTH,
        format=NoticeFormat.XML,
        certificate_number=number,
        book=f.text("QUYEN_SO", max_length=50),
        link_code=f.text("MA_LK", max_length=100),
        data=data,
        offered_to=mother["id_number"],
        event_at=born or datetime.datetime.now(VIETNAM),
        address_codes=(f.text("MATINH_CU_TRU"), f.text("MAHUYEN_CU_TRU"), f.text("MAXA_CU_TRU")),
        facts={"weight_grams": int(weight) if weight.isdigit() else None, "residence": f.text("NOI_CU_TRU_NND")},
    )


def _death_xml(f: Fields, facility: HealthFacility) -> Parsed:
    died = f.moment("NGAY_TU_VONG")
    number = f.text("SO", required=True, max_length=50)
    deceased = {
        "full_name": f.text("HO_TEN", required=True, max_length=200),
        "sex": SEXES.get(f.text("GIOI_TINH", required=True), ""),
        "date_of_birth": f.day("NGAY_SINH", required=True),
        "id_number": f.id_number("SO_CCCD"),
        "date_of_death": died.date().isoformat() if died else "",
        "place_of_death": f.text("NOI_TU_VONG", max_length=300) or facility.name,
        "cause": f.text("NGUYEN_NHAN", max_length=300),
        "last_residence": f.text("NOI_CU_TRU", max_length=300),
    }
    notice = {"number": number, "issuer": facility.name[:200], "date": f.day("NGAY_CT", required=True)}
    return Parsed(
        kind=NoticeKind.DEATH,
        format=NoticeFormat.XML,
        certificate_number=number,
        book=f.text("QUYEN_SO", max_length=50),
        link_code=f.text("MA_LK", max_length=100),
        data={"deceased": _filled(deceased), "death_notice": notice},
        offered_to=f.id_number("SO_CCCD_THAN_NHAN"),
        event_at=died or datetime.datetime.now(VIETNAM),
        address_codes=(f.text("MATINH_CU_TRU"), f.text("MAHUYEN_CU_TRU"), f.text("MAXA_CU_TRU")),
        facts={"relative": f.text("HO_TEN_THAN_NHAN", max_length=200)},
    )


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}


# --- FHIR R4B ----------------------------------------------------------------------------------
def _fhir(facility: HealthFacility, body: bytes) -> Parsed:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        if paths := nul_paths(json.loads(body)):  # PostgreSQL stores no NUL, not even in JSON
            raise Invalid({path: [str(NUL_MESSAGE)] for path in paths})
        bundle = Bundle.model_validate_json(body)
    except ValidationError as refused:  # before ValueError: pydantic's is one
        raise Invalid(
            {".".join(str(part) for part in error["loc"]) or "body": [error["msg"]] for error in refused.errors()}
        ) from None
    except ValueError:  # not JSON, or not UTF-8
        raise Invalid({"body": [_("The notice is not a JSON document.")]}) from None
    identifier = bundle.identifier
    kind = FHIR_KINDS.get(identifier.system or "") if identifier else None
    if bundle.type != "collection" or identifier is None or kind is None or not identifier.value:
        message = _("A notice is a collection bundle identified by %(birth)s or %(death)s and its number.")
        raise Invalid({"identifier": [message % dict(zip(("birth", "death"), FHIR_KINDS, strict=True))]})
    resources: dict[str, list[Any]] = {}
    for entry in bundle.entry or []:
        if entry.resource is not None:
            resources.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    organisation = next(iter(resources.get("Organization", [])), None)
    if _identifier(organisation, MACSKCB) != facility.code:
        message = _("The notice must name this API client's facility (%(system)s).") % {"system": MACSKCB}
        raise Invalid({"Organization.identifier": [message]})
    patients, related = resources.get("Patient", []), resources.get("RelatedPerson", [])
    if len(patients) != 1:
        raise Invalid({"Patient": [_("Exactly one Patient: the child or the deceased.")]})
    patient = patients[0]
    f = Fields("fhir", {})
    number = identifier.value[:50]
    if kind == NoticeKind.BIRTH:
        mother = next((r for r in related if _relationship(r) == "MTH"), None)
        if mother is None:
            raise Invalid({"RelatedPerson": [_("The mother: a RelatedPerson with relationship MTH.")]})
        born = _birth_time(patient)
        child = {
            "full_name": _name(patient),
            "sex": SEXES.get(patient.gender or "", ""),
            "date_of_birth": born.date().isoformat(),
            "place_of_birth": facility.name[:300],
            "birth_certificate_number": number,
        }
        mother_values = {
            "full_name": _name(mother),
            "date_of_birth": _day(mother.birthDate, "RelatedPerson.birthDate"),
            "id_number": _identifier(mother, CCCD),
        }
        f.values = {"mother.identifier": mother_values["id_number"], "mother.name": mother_values["full_name"]}
        f.id_number("mother.identifier")
        f.text("mother.name", required=True)
        f.raise_problems()
        weight = next(
            (
                o.valueQuantity.value
                for o in resources.get("Observation", [])
                if o.valueQuantity and any(c.code == "8339-4" for c in (o.code.coding or []))
            ),
            None,
        )
        data = {"child": _filled(child), "mother": _filled(mother_values)}
        if father := next((r for r in related if _relationship(r) == "FTH"), None):
            data["father"] = {"full_name": _name(father)}
        return Parsed(
            kind=kind,
            format=NoticeFormat.FHIR,
            certificate_number=number,
            data=data,
            offered_to=mother_values["id_number"],
            event_at=born,
            address_codes=_address_codes(mother),
            facts={"weight_grams": int(weight) if weight is not None else None},
        )
    relative = next(iter(related), None)
    died = patient.deceasedDateTime
    f.values = {
        "Patient.identifier": _identifier(patient, CCCD),
        "Patient.name": _name(patient),
        "Patient.deceasedDateTime": str(died or ""),
        "RelatedPerson.identifier": _identifier(relative, CCCD) if relative else "",
    }
    for name in f.values:
        f.text(name, required=True)
    f.raise_problems()
    died_at = _moment(died, "Patient.deceasedDateTime")
    deceased = {
        "full_name": _name(patient),
        "sex": SEXES.get(patient.gender or "", ""),
        "date_of_birth": _day(patient.birthDate, "Patient.birthDate"),
        "id_number": f.id_number("Patient.identifier"),
        "date_of_death": died_at.astimezone(VIETNAM).date().isoformat(),
        "place_of_death": facility.name[:300],
        "last_residence": (patient.address[0].text or "") if patient.address else "",
    }
    offered = f.id_number("RelatedPerson.identifier")
    f.raise_problems()
    return Parsed(
        kind=kind,
        format=NoticeFormat.FHIR,
        certificate_number=number,
        data={
            "deceased": _filled(deceased),
            "death_notice": {"number": number, "issuer": facility.name[:200], "date": died_at.date().isoformat()},
        },
        offered_to=offered,
        event_at=died_at,
        address_codes=_address_codes(patient),
    )


def _identifier(resource: Any, system: str) -> str:
    for identifier in getattr(resource, "identifier", None) or []:
        if identifier.system == system and identifier.value:
            return str(identifier.value)
    return ""


def _name(resource: Any) -> str:
    names = resource.name or []
    if not names:
        return ""
    name = names[0]
    return (name.text or " ".join([*(name.given or []), name.family or ""]).strip())[:200]


def _relationship(resource: Any) -> str:
    return next((c.code for r in resource.relationship or [] for c in r.coding or [] if c.code), "")


def _birth_time(patient: Any) -> datetime.datetime:
    for extension in patient.extension or []:
        if extension.url == "http://hl7.org/fhir/StructureDefinition/patient-birthTime" and extension.valueDateTime:
            return _moment(extension.valueDateTime, "Patient.extension.valueDateTime")
    if patient.birthDate is None:
        raise Invalid({"Patient.birthDate": [_("The child's date of birth is required.")]})
    return _moment(patient.birthDate, "Patient.birthDate")


def _moment(value: Any, field: str) -> datetime.datetime:
    """A FHIR date or dateTime as a moment (a day: its start in Vietnam); a partial one ("2026",
    "2026-11"), which FHIR allows and a register cannot take, refused under `field`."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=VIETNAM)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), VIETNAM)
    message = _("%(value)s is not a whole date: give the day, the month and the year.") % {"value": value}
    raise Invalid({field: [message]})


def _day(value: Any, field: str) -> str:
    """A FHIR date as YYYY-MM-DD ("" when absent); a partial one refused under `field`."""
    return _moment(value, field).date().isoformat() if value else ""


def _address_codes(resource: Any) -> tuple[str, ...]:
    """Our profile: state, district and city carry the province, district and commune codes."""
    address = (resource.address or [None])[0]
    return (address.state or "", address.district or "", address.city or "") if address else ()
