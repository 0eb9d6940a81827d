"""Signing through a remote signing service (the CSC API, certomancer-csc-dummy as a process):
the key never leaves the service; the document is signed, valid, timestamped, by the credential's
certificate."""

import pytest
from django.test import Client

from agencies.choices import UserRole
from cases.models import Bundle
from signing.models import IssuedDocument
from signing.services import signing_key_register
from signing.verify import verify_pdf
from tests.cases.conftest import birth
from tests.faults.harness import free_port
from tests.pdfs import signed_get
from tests.peers.csc import start_csc

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def csc_url(pki):
    port = free_port()
    process = start_csc(pki, port)
    yield f"http://localhost:{port}"
    process.kill()
    process.wait()


def test_a_receipt_is_signed_by_the_remote_service(api, integration, make_user, signing, settings, csc_url, pki):
    settings.SIGNING_KEY_STORE, settings.SIGNING_CSC_URL = "csc", csc_url
    bundle = Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])
    key = signing_key_register(reference="demo/office", unit=bundle.commune)
    client = Client()
    client.force_login(make_user(UserRole.CLERK, commune="16690"))

    response = signed_get(client, f"/bundles/{bundle.code}/receipt.pdf")

    verdict = verify_pdf(response.content, trust_roots=[pki.cert("root")])
    assert (verdict.valid, verdict.problems, verdict.timestamped) == (True, [], True)
    assert (key.subject, verdict.signer) == ("UBND phường Trường Vinh", "UBND phường Trường Vinh")
    assert IssuedDocument.objects.get().signer == "UBND phường Trường Vinh"


def test_an_unknown_credential_is_refused_when_it_is_registered(signing, settings, csc_url, make_user):
    from signing.keys import KeyUnavailable

    settings.SIGNING_KEY_STORE, settings.SIGNING_CSC_URL = "csc", csc_url

    with pytest.raises(KeyUnavailable):
        signing_key_register(reference="demo/nobody", user=make_user(UserRole.CLERK))
