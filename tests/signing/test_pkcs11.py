"""Signing with a key on a hardware token through its PKCS#11 module: SoftHSM (Debian's softhsm2)
holds the officer's key, which never leaves it; the document is signed, valid and timestamped."""

import shutil
import subprocess

import pytest
from django.test import Client

from agencies.choices import UserRole
from cases.models import Bundle
from signing.services import signing_key_register
from signing.verify import verify_pdf
from tests.cases.conftest import birth
from tests.pdfs import signed_get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("softhsm2-util") is None, reason="no SoftHSM (apt-get install softhsm2)"),
]
MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    """A token labelled "portal" (user PIN 1234) holding the test officer's key and certificate and
    the issuing CA's certificate.
    Once per module: the PKCS#11 module reads SOFTHSM2_CONF once per process."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    (folder / "softhsm2.conf").write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(folder / "softhsm2.conf"))
        _softhsm("--init-token", "--free", "--label", "portal", "--pin", "1234", "--so-pin", "5678")
        key = pki.directory / "keys" / "officer.key.pem"
        _softhsm("--import", str(key), "--token", "portal", "--label", "officer", "--id", "01", "--pin", "1234")
        _add_certificate(pki.cert("officer"), label="officer", id=b"\x01")
        _add_certificate(pki.cert("interm"), label="issuing CA", id=b"\x02")  # as the providers' tokens carry it
        yield "portal"


def _softhsm(*arguments: str) -> None:
    subprocess.run(["softhsm2-util", *arguments], check=True, capture_output=True)


def _add_certificate(cert, *, label: str, id: bytes) -> None:
    """The certificate beside its key (softhsm2-util imports keys only), as python-pkcs11 writes it."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    with pkcs11.lib(MODULE).get_token(token_label="portal").open(rw=True, user_pin="1234") as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: id,
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.ISSUER: cert.issuer.dump(),
                Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
                Attribute.VALUE: cert.dump(),
            }
        )


def test_an_apology_letter_is_signed_with_the_key_on_the_token(
    api, integration, officer, signing, settings, token, pki
):
    settings.SIGNING_KEY_STORE = "pkcs11"
    settings.SIGNING_PKCS11_MODULE, settings.SIGNING_PKCS11_TOKEN, settings.SIGNING_PKCS11_PIN = MODULE, token, "1234"
    bundle = Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])
    justice = officer("civil_status")
    signing_key_register(reference="officer", user=justice)  # the key's label on the token
    step = bundle.steps.get(procedure_id="birth_registration")
    step.new_appointment_on = step.due_date
    step.save(update_fields=["new_appointment_on"])
    client = Client()
    client.force_login(justice)

    letter = signed_get(client, f"/steps/{step.pk}/apology.pdf")

    verdict = verify_pdf(letter.content, trust_roots=[pki.cert("root")])
    assert (verdict.valid, verdict.problems, verdict.signer) == (True, [], "Nguyễn Thị Thu Hà")


def test_a_wrong_pin_is_refused_when_the_key_is_registered(signing, settings, token, make_user):
    from signing.keys import KeyUnavailable

    settings.SIGNING_KEY_STORE = "pkcs11"
    settings.SIGNING_PKCS11_MODULE, settings.SIGNING_PKCS11_TOKEN, settings.SIGNING_PKCS11_PIN = MODULE, token, "0000"

    with pytest.raises(KeyUnavailable):
        signing_key_register(reference="officer", user=make_user(UserRole.CLERK))
