"""Every document the portal issues is signed by a worker, never in the request, by whom the
signing rule names; until then the page says it is being signed and no PDF leaves the server.
Signed with the test PKI (certomancer as a process) and checked with pyHanko against its root."""

import datetime
import hashlib

import pytest
import time_machine
from django.test import Client

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle, Step
from signing.models import IssuedDocument, SignerKind, SigningRule
from signing.verify import verify_pdf
from tests.cases.conftest import at, birth, death
from tests.chromium import SCREENSHOTS
from tests.pdfs import A4_PORTRAIT, pdf_lines, pdf_pages, pdf_text, pdf_to_pngs, signed_get

pytestmark = pytest.mark.django_db

OFFICE = "UBND phường Trường Vinh"
OFFICER = "Nguyễn Thị Thu Hà"
DEATH_ALL = ["death_registration", "residence_deregistration", "funeral_allowance"]


@pytest.fixture
def bundle(api, integration) -> Bundle:
    return Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, commune="16690", username="clerk-own")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def first_step(bundle: Bundle) -> Step:
    return bundle.steps.get(procedure_id="birth_registration")


def verdict_of(response, pki):
    return verify_pdf(response.content, trust_roots=[pki.cert("root")])


def test_the_receipt_is_signed_by_the_commune_and_valid(bundle, clerk, signing, pki, settings):
    settings.SIGNING_LONG_TERM = True  # B-LT: the chain's revocation data embedded
    signing(unit=bundle.commune)

    response = signed_get(client_of(clerk), f"/bundles/{bundle.code}/receipt.pdf")

    verdict = verdict_of(response, pki)
    assert (verdict.valid, verdict.problems, verdict.timestamped, verdict.signer) == (True, [], True, OFFICE)
    document = IssuedDocument.objects.get()
    assert (document.kind, document.bundle, document.html) == ("receipt", bundle, "")
    assert document.sha256 == hashlib.sha256(response.content).hexdigest()
    assert response["Content-Disposition"] == f'inline; filename="{bundle.code}-giay-tiep-nhan.pdf"'
    assert bundle.events.filter(action="document_signed").count() == 1
    assert b"/DSS" in response.content  # the validation data of B-LT


def test_each_slip_and_the_apology_are_signed_by_the_officer(bundle, clerk, officer, signing, pki):
    justice = officer("civil_status")
    signing(user=justice)
    signing(user=clerk)
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_return(
            user=justice, step_pk=first_step(bundle).pk, reason="Mờ.", missing_documents=["Giấy chứng sinh"]
        )
    Step.objects.filter(pk=first_step(bundle).pk).update(new_appointment_on=datetime.date(2026, 3, 6))

    slips = [
        signed_get(client_of(justice), f"/steps/{first_step(bundle).pk}/supplement-request.pdf"),
        signed_get(client_of(justice), f"/steps/{first_step(bundle).pk}/apology.pdf"),
        signed_get(client_of(clerk), f"/bundles/{bundle.code}/supplement-request.pdf"),
    ]

    assert [(verdict_of(slip, pki).valid, verdict_of(slip, pki).signer) for slip in slips] == [(True, OFFICER)] * 3
    assert sorted(IssuedDocument.objects.values_list("kind", flat=True)) == [
        "apology",
        "supplement_request",
        "supplement_request",
    ]


def test_the_rule_decides_who_signs(bundle, clerk, signing, pki):
    SigningRule.objects.filter(document="receipt").update(signer=SignerKind.PERSON)
    bundle.filed_by = clerk
    bundle.save(update_fields=["filed_by"])
    signing(user=clerk)

    response = signed_get(client_of(clerk), f"/bundles/{bundle.code}/receipt.pdf")

    assert verdict_of(response, pki).signer == OFFICER


def test_the_periodic_report_is_signed_by_the_province(make_user, signing, pki):
    staff = make_user(UserRole.PROVINCIAL)
    signing(unit=staff.province)

    response = signed_get(client_of(staff), "/reports/?export=report.pdf")

    assert (verdict_of(response, pki).valid, verdict_of(response, pki).signer) == (True, OFFICE)
    assert IssuedDocument.objects.get().kind == "report"


def test_the_same_content_is_the_same_document(bundle, clerk, signing):
    signing(unit=bundle.commune)
    first = signed_get(client_of(clerk), f"/bundles/{bundle.code}/receipt.pdf")

    again = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")

    assert (again.status_code, again.content) == (200, first.content)
    assert IssuedDocument.objects.count() == 1


def test_nobody_to_sign_is_said_and_nothing_is_issued(bundle, clerk, signing):
    response = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")

    assert response.status_code == 503
    assert "UBND phường Trường Vinh chưa có chứng thư số" in response.content.decode()
    assert IssuedDocument.objects.count() == 0


def test_a_timestamp_authority_that_does_not_answer_leaves_it_unsigned_and_said(
    bundle, clerk, signing, settings, django_capture_on_commit_callbacks
):
    signing(unit=bundle.commune)
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port
    with django_capture_on_commit_callbacks(execute=True):
        first = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")

    document = IssuedDocument.objects.get()
    assert (first.status_code, document.signed_at, document.file.name) == (202, None, "")
    assert document.problem == "TimestampRequestError: Error while contacting timestamp service"
    page = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")
    assert page.status_code == 202
    assert "chưa ký được; cổng tiếp tục thử" in page.content.decode()


def test_a_key_is_registered_by_command_for_its_holder(signing, make_user):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from signing.models import SigningKey

    clerk = make_user(UserRole.CLERK, commune="16690", username="clerk-own")
    call_command("signing_key", "office.p12", "--unit", "16690")
    call_command("signing_key", "officer.p12", "--user", "clerk-own")

    assert list(SigningKey.objects.values_list("unit__code", "user", "subject")) == [
        ("16690", None, "UBND phường Trường Vinh"),
        (None, clerk.pk, "Nguyễn Thị Thu Hà"),
    ]
    with pytest.raises(CommandError, match="The key cannot be used"):
        call_command("signing_key", "nobody.p12", "--unit", "16690")
    with pytest.raises(CommandError, match="No such holder"):
        call_command("signing_key", "office.p12", "--user", "nobody")


def test_the_sweeper_signs_what_was_left_unsigned(bundle, clerk, signing, settings, django_capture_on_commit_callbacks):
    from signing.tasks import documents_sweep_task

    signing(unit=bundle.commune)
    client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")  # its publication lost: no on-commit run
    IssuedDocument.objects.update(created_at=IssuedDocument.objects.get().created_at - datetime.timedelta(minutes=5))

    assert documents_sweep_task.delay().get() == 1

    assert IssuedDocument.objects.get().signed_at is not None
    assert documents_sweep_task.delay().get() == 0


def test_the_refusal_slip_is_signed_by_the_officer_who_refused(bundle, clerk, officer, signing, pki):
    justice = officer("civil_status")
    signing(user=justice)
    signing(user=clerk)
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_refuse(user=justice, step_pk=first_step(bundle).pk, reason="Không có quyền yêu cầu.")

    slips = [
        signed_get(client_of(justice), f"/steps/{first_step(bundle).pk}/refusal.pdf"),
        signed_get(client_of(clerk), f"/bundles/{bundle.code}/refusal.pdf"),
    ]

    assert [(verdict_of(slip, pki).valid, verdict_of(slip, pki).signer) for slip in slips] == [(True, OFFICER)] * 2
    assert list(IssuedDocument.objects.values_list("kind", flat=True)) == ["refusal", "refusal"]


@pytest.fixture
def committed_reference_data(transactional_db):
    """The local worker's thread reads with a connection of its own: this test commits, so it
    loads the reference data it needs (a live-server test before it may have emptied the tables)."""
    from django.core.management import call_command

    from cases import rules

    call_command("load_reference_data", verbosity=0)
    rules.clear_cache()


def test_on_the_embedded_default_the_page_answers_at_once_and_a_thread_signs(
    committed_reference_data, bundle, clerk, signing, settings
):
    """`make run` (no broker): the request that asks for the receipt is not the one that signs it.
    It answers "being signed" (202) at once; the local worker's thread signs it; the next look
    gets the signed PDF. The worker is held behind a gate so the first answer cannot race it."""
    import threading
    import time

    from portal import local_worker

    signing(unit=bundle.commune)
    settings.LOCAL_WORKER = True
    gate = threading.Event()
    local_worker._submit(gate.wait, name="gate")

    first = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")

    assert first.status_code == 202
    assert "đang được ký số" in first.content.decode()
    assert IssuedDocument.objects.get().signed_at is None
    gate.set()
    deadline = time.monotonic() + 60
    while IssuedDocument.objects.get().signed_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
    second = client_of(clerk).get(f"/bundles/{bundle.code}/receipt.pdf")
    assert (second.status_code, second["Content-Type"]) == (200, "application/pdf")


def test_a_signed_death_receipt_with_the_funeral_note_fits_one_a4_page_and_keeps_the_verify_address_whole(
    api, integration, clerk, signing, pki, settings
):
    """Issue 26: the verify line the signer adds (its QR code and the /verify/ address) stays on the
    receipt's one page, and the address is never broken after "http://"."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9300"
    serializer = BundleCreateSerializer(data=death(commune="16690", received_at=None, funeral_category="merit"))
    assert serializer.is_valid(), serializer.errors
    bundle, _new = services.bundle_file(user=clerk, data=serializer.validated_data)  # at the desk, four offices
    for office in {step.office for step in bundle.steps.all()}:  # each with all its contacts
        office.address = "Số 16, đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An"
        office.phone, office.email = "0238 3844 111", "mot.cua@nghean.gov.vn"
        office.save()
    signing(unit=bundle.commune)

    pdf = signed_get(client_of(clerk), f"/bundles/{bundle.code}/receipt.pdf").content

    pdf_to_pngs(pdf, SCREENSHOTS / "signed-death-receipt", dpi=70)
    assert "Chế độ mai táng: Người có công" in pdf_text(pdf)
    assert pdf_pages(pdf) == [A4_PORTRAIT]
    assert any("http://127.0.0.1:9300/verify/" in line for line in pdf_lines(pdf))
