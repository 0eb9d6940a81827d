"""The official papers the portal prints, in the forms of the one-stop regulation (Decree
118/2025/NĐ-CP, before it Circular 01/2018/TT-VPCP): the one-stop desk's receipt and appointment
slip for a filed dossier (Mẫu 01), the request to supply missing documents (Mẫu 02), the refusal
slip (Mẫu 03), and an office's apology letter with a new appointment date (Mẫu 04; Decree
63/2024/NĐ-CP art. 7(3)).

Administrative documents are Vietnamese only, so their text is written in the templates
(templates/cases/pdf/), not in the translation catalogue. The functions here gather what the
templates show and render them with WeasyPrint; they read the database but never write to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from agencies.models import AdministrativeUnit, Office, User
from cases import kinds
from cases.choices import Action, Channel, StepState
from cases.models import Bundle, Step
from signing.layout import html_to_pdf, qr_svg

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS: dict[str, str] = {
    Channel.ONLINE: "Trực tuyến",
    Channel.DIRECT: "Trực tiếp",
    Channel.POSTAL: "Qua bưu chính",
}
# The documents a dossier brought electronically besides its scans, as a receipt lists them: each
# app that holds some registers a function here from its AppConfig.ready() (health: the hospital
# notice a dossier was filed from), so that the engine never imports it.
RECEIPT_DOCUMENTS: list[Callable[[Bundle], list[str]]] = []


def receipt_pdf(bundle: Bundle) -> bytes:
    """The receipt and appointment slip (giấy tiếp nhận hồ sơ và hẹn trả kết quả) of a filed bundle."""
    return html_to_pdf(receipt_html(bundle))


def apology_pdf(step: Step, *, new_appointment_on: datetime.date, signer: User) -> bytes:
    """The letter in which the office of a late step apologises and sets a new date for the result."""
    return html_to_pdf(apology_html(step, new_appointment_on=new_appointment_on, signer=signer))


def supplement_request_pdf(bundle: Bundle, *, steps: list[Step], signer: User) -> bytes:
    """The request to supply or complete the dossier (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) for
    its returned `steps`: which documents each office needs, why, and by which day."""
    return html_to_pdf(slip_html("cases/pdf/supplement_request.html", bundle, steps=steps, signer=signer))


def refusal_pdf(bundle: Bundle, *, steps: list[Step], signer: User) -> bytes:
    """The refusal slip (phiếu từ chối tiếp nhận, giải quyết hồ sơ) for its refused `steps`: which
    office refused which procedure and why, and the procedures that cannot go on without them."""
    return html_to_pdf(slip_html("cases/pdf/refusal.html", bundle, steps=steps, signer=signer))


def slip_office(steps: list[Step], signer: User) -> Office | None:
    """The office that issues a slip: the signer's, when the signer is an officer of the office of
    every step the slip is about (an office's own slip, under its header and signed by its officer);
    None when the commune's one-stop desk issues it (a clerk signs, or the steps are several offices')."""
    if signer.office_id is None or any(step.office_id != signer.office_id for step in steps):
        return None
    return steps[0].office


def slip_html(template: str, bundle: Bundle, *, steps: list[Step], signer: User) -> str:
    """A slip about some steps of a bundle as HTML, dated today in Vietnam, issued by the office
    of its steps when that office's officer signs it (`slip_office`), else by the commune's
    one-stop desk; each step with the day and the person of the decision the slip is about."""
    offices = list(dict.fromkeys(step.office for step in steps))
    office = slip_office(steps, signer)
    context: dict[str, Any] = {
        "bundle": bundle,
        "desk": bundle.commune.people_committee,
        "online": bundle.channel == Channel.ONLINE,
        "tracking_url": tracking_url(str(bundle.code)),
        "office": office,
        "place_and_date": place_and_date(office.unit if office else bundle.commune, timezone.localdate(timezone=ZONE)),
        "received_on": bundle.received_at.astimezone(ZONE).date(),
        "applicant": _applicant(bundle),
        "procedures": [step.procedure.name for step in bundle.steps.select_related("procedure")],
        "items": [{"step": step, **_decision(step)} for step in steps],
        "cancelled": bundle.steps.select_related("procedure").filter(state=StepState.CANCELLED),
        "contacts": [(office.name, contacts(office)) for office in offices],
        "signer": _person(signer),
    }
    return render_to_string(template, context)


def _decision(step: Step) -> dict[str, Any]:
    """When and by whom the step was last returned or refused (its audit event): no person when
    beat refused it because the documents did not arrive in time."""
    action = Action.RETURNED if step.state == StepState.RETURNED else Action.REFUSED
    event = step.events.filter(action=action).select_related("actor").order_by("at", "pk").last()
    if event is None:
        return {"decided_on": None, "decided_by": ""}
    return {
        "decided_on": event.at.astimezone(ZONE).date(),
        "decided_by": _person(event.actor) if event.actor else "",
    }


def tracking_url(code: str) -> str:
    """The public tracking page with the dossier's code filled in, on the portal's public address
    (the PUBLIC_BASE_URL setting), never on the address of whoever prints the paper."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('track')}?{urlencode({'code': code})}"


def receipt_html(bundle: Bundle) -> str:
    """The receipt as HTML, before WeasyPrint lays it out (the tests read its table and QR code)."""
    steps = list(bundle.steps.select_related("procedure", "office"))
    received_at = bundle.received_at.astimezone(ZONE)
    url = tracking_url(str(bundle.code))
    electronic = [line for listed in RECEIPT_DOCUMENTS for line in listed(bundle)]
    context: dict[str, Any] = {
        "bundle": bundle,
        "desk": bundle.commune.people_committee,
        # Online, the commune's one-stop desk received the dossier (whoever sent it: the citizen,
        # the national portal), so the receipt names the desk, with its contacts, as the receiver.
        "online": bundle.channel == Channel.ONLINE,
        "desk_contacts": desk_contacts(bundle.commune),
        "place_and_date": place_and_date(bundle.commune, received_at.date()),
        "received_at": received_at.strftime("%d/%m/%Y %H:%M"),
        "channel": CHANNELS.get(bundle.channel, bundle.channel),
        "applicant": _applicant(bundle),
        "steps": steps,
        "contacts": [(office.name, contacts(office)) for office in dict.fromkeys(step.office for step in steps)],
        "kind_facts": kinds.get(bundle.kind).receipt_facts(bundle, steps),
        "attachments": electronic + list(bundle.attachments.values_list("kind", flat=True)),
        "clerk": _person(bundle.filed_by),
        "tracking_url": url,
        "qr": qr_svg(url),
    }
    return render_to_string("cases/pdf/receipt.html", context)


def apology_html(step: Step, *, new_appointment_on: datetime.date, signer: User) -> str:
    """The apology letter as HTML, dated today in Vietnam."""
    office = step.office
    context: dict[str, Any] = {
        "step": step,
        "bundle": step.bundle,
        "office": office,
        "place_and_date": place_and_date(office.unit, timezone.localdate(timezone=ZONE)),
        "applicant": _applicant(step.bundle),
        "received_on": step.bundle.received_at.astimezone(ZONE).date(),
        "new_appointment_on": new_appointment_on,
        "signer": _person(signer),
    }
    return render_to_string("cases/pdf/apology.html", context)


def contacts(office: Office) -> str:
    """An office's contacts as a document prints them, leaving out what is not known:
    "Địa chỉ: …; Điện thoại: …; Thư điện tử: …", or "" when none is known."""
    known = [("Địa chỉ", office.address), ("Điện thoại", office.phone), ("Thư điện tử", office.email)]
    return "; ".join(f"{label}: {value.strip()}" for label, value in known if value.strip())


def desk_contacts(commune: AdministrativeUnit) -> str:
    """The contacts of a commune's one-stop desk as a document prints them, leaving out what is
    not known (the reference data has no phone for most): "Địa chỉ: …; Điện thoại: …"."""
    known = [("Địa chỉ", commune.desk_address), ("Điện thoại", commune.desk_phone)]
    return "; ".join(f"{label}: {value.strip()}" for label, value in known if value.strip())


def place_and_date(unit: AdministrativeUnit, day: datetime.date) -> str:
    """The place-and-date line of an administrative document, as Decree 30/2020/NĐ-CP writes it:
    "Trường Vinh, ngày 02 tháng 3 năm 2026" (a day below 10 and a month below 3 take a leading 0)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{unit.bare_name}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _applicant(bundle: Bundle) -> dict[str, str]:
    # Only the name and the phone: the receipt travels with the citizen and may be seen by anyone.
    applicant = bundle.data.get("applicant") or {}
    return {"full_name": applicant.get("full_name", ""), "phone": applicant.get("phone", "")}


def _person(user: User) -> str:
    # The signature block asks for the person's full name ("ký và ghi rõ họ tên"); the office or
    # desk is already the document's issuer in its header.
    return user.full_name
