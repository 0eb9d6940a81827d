"""The national public-service portal's integration service, spoken as OpenCPS speaks it
(VietOpenCPS/opencps-v2, DVCQGIntegrationActionImpl.java): log in with the account and the
`dstcode` header for a session (kept NATIONAL_PORTAL_SESSION_TTL seconds, OpenCPS's 10 minutes);
then, for one change of a dossier, `TraCuuHoSo` (does the portal have it: `isUpdating`),
`DongBoHoSoMC` (the dossier's record) and `CapNhatTienDoHoSoMC` (the step of progress), each
`{session, madonvi, service, ...}`. Success is what the body says, `error_code` 0: any other
answer fails the attempt with the portal's message kept. A call refused under a kept session
logs in again and is repeated once (the session may have expired on the portal's side)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cases.models import Bundle, Event, Step
from outbound.models import Delivery, NationalState

logger = logging.getLogger(__name__)


def configured() -> bool:
    return bool(settings.NATIONAL_PORTAL_URL)


# --- What is sent: written with the change, in the outbox's transaction ---------------------


def stamp(moment: datetime.datetime | datetime.date | None) -> str:
    """The national portal's time format, yyyyMMddHHmmss in Vietnam's time (OpenCPS's)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).strftime("%Y%m%d%H%M%S")
    return moment.strftime("%Y%m%d") + "170000"  # a day: the end of its working hours


def payload(change: str, label: str, finished: bool, bundle: Bundle, step: Step | None) -> dict[str, Any]:
    """One change as the two calls' data: `record` (DongBoHoSoMC's, the dossier as OpenCPS builds
    it) and `progress` (CapNhatTienDoHoSoMC's). The state codes are NationalState rows."""
    state = NationalState.objects.filter(event=change).first()
    code, meaning = (state.code, state.label) if state else (change, label)
    appointment = step.new_appointment_on if change == "late" and step is not None else bundle.due_date
    applicant = bundle.data.get("applicant") or {}
    receiver = bundle.commune.people_committee  # the one-stop desk's commune: the receiving agency
    record = {
        "MaHoSo": bundle.national_code,
        "MaTTHC": bundle.national_procedure_code,
        "TenTTHC": bundle.variant.name,
        "MaLinhVuc": "",  # OpenCPS reads the field from the portal (LayThuTuc): not done here
        "TenLinhVuc": "",
        "ChuHoSo": applicant.get("full_name", ""),
        "LoaiDoiTuong": "1",  # a citizen (2: a business)
        "MaDoiTuong": "",
        "ThongTinKhac": "",
        "Email": applicant.get("email", ""),
        "Fax": "",
        "SoDienThoai": applicant.get("phone", ""),
        "TrichYeuHoSo": f"{bundle.variant.name} ({bundle.code})",
        "NgayTiepNhan": stamp(bundle.received_at),
        "NgayHenTra": stamp(appointment),
        "TrangThaiHoSo": code,
        "NgayTra": stamp(bundle.handed_over_at),
        "ThongTinTra": "",
        "HinhThuc": "1" if bundle.channel == "postal" else "0",  # OpenCPS: 1 when the results go by post
        "NgayKetThucXuLy": stamp(bundle.finished_at) if finished else "",
        "DonViXuLy": receiver,
        "GhiChu": meaning,
        "TaiLieuNop": [],
        "DanhSachLePhi": [],
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }
    events = Event.objects.filter(bundle=bundle, **({"step": step} if step is not None else {}))
    event = events.select_related("actor").order_by("-at", "-pk").first()
    actor = event.actor if event is not None else None
    progress = {
        "MaHoSo": bundle.national_code,
        "NguoiXuLy": (actor.get_full_name() or actor.username) if actor is not None else receiver,
        "ChucDanh": actor.get_role_display() if actor is not None else "",
        "ThoiDiemXuLy": stamp(event.at if event is not None else timezone.now()),
        "PhongBanXuLy": step.office.name if step is not None else receiver,
        "NoiDungXuLy": f"{label}: {event.reason}" if event is not None and event.reason else label,
        "TrangThai": code,
        "NgayBatDau": stamp(step.handed_off_at or timezone.now()) if step is not None else stamp(bundle.received_at),
        "NgayKetThucTheoQuyDinh": stamp(step.due_date if step is not None else bundle.due_date),
    }
    return {"record": record, "progress": progress, "MaHoSoLienThong": bundle.code}


# --- Sending: at the attempt ---------------------------------------------------------------


class Failure(Exception):
    """A call that did not succeed: the last HTTP status (None: no answer) and what went wrong."""

    def __init__(self, status: int | None, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.refused = status, message, refused


def send(delivery: Delivery) -> tuple[int | None, str]:
    """One attempt of a delivery: (the last HTTP status, "" on success or what went wrong)."""
    record = delivery.payload.get("record", delivery.payload)  # a delivery written before the protocol
    progress = delivery.payload.get("progress")
    headers = {"X-Lienthong-Delivery": str(delivery.pk)}
    new: list[str] = []  # the sessions this attempt logged in for
    try:
        status, found = _call("TraCuuHoSo", {"mahoso": record["MaHoSo"]}, headers, new)
        updating = "True" if found.get("result") else "False"
        status, _body = _call("DongBoHoSoMC", {"isUpdating": updating, "data": [record]}, headers, new)
        if progress:
            status, _body = _call("CapNhatTienDoHoSoMC", {"data": [progress]}, headers, new)
    except Failure as failure:
        return failure.status, failure.message[:300]
    except requests.RequestException as failure:
        return None, f"{type(failure).__name__}: {failure}"[:300]
    return status, ""


def _session(new: list[str], renew: bool = False) -> str:
    """The session, kept while it is younger than the portal's lifetime; a login's added to `new`."""
    key = f"outbound:national:session:{settings.NATIONAL_PORTAL_USERNAME}"
    session = None if renew else cache.get(key)
    if session:
        return str(session)
    answer = requests.post(
        settings.NATIONAL_PORTAL_AUTH_URL,
        json={"username": settings.NATIONAL_PORTAL_USERNAME, "password": settings.NATIONAL_PORTAL_PASSWORD},
        headers=_headers({}),
        timeout=settings.OUTBOUND_TIMEOUT,
        allow_redirects=False,
    )
    body = judge(answer, "login")
    if not body.get("session"):
        raise Failure(answer.status_code, f"login: no session in the answer: {answer.text[:200]}")
    cache.set(key, body["session"], settings.NATIONAL_PORTAL_SESSION_TTL)
    new.append(body["session"])
    return str(body["session"])


def _headers(extra: dict[str, str]) -> dict[str, str]:
    return {"Accept": "application/json", "dstcode": settings.NATIONAL_PORTAL_DSTCODE, **extra}


def _call(service: str, fields: dict[str, Any], headers: dict[str, str], new: list[str]) -> tuple[int, dict[str, Any]]:
    """One service call with a session; refused under a session kept from before this attempt
    (it may have expired on the portal's side): log in again and call once more."""
    session = _session(new)
    for renewed in (False, True):
        body = {"session": session, "madonvi": settings.NATIONAL_PORTAL_MADONVI, "service": service, **fields}
        answer = requests.post(
            settings.NATIONAL_PORTAL_URL,
            json=body,
            headers=_headers(headers),
            timeout=settings.OUTBOUND_TIMEOUT,
            allow_redirects=False,
        )
        try:
            return answer.status_code, judge(answer, service)
        except Failure as failure:
            if session in new or renewed or not (failure.refused or answer.status_code in (401, 403)):
                raise
            logger.info("national portal: %s refused under a kept session, logging in again", service)
            session = _session(new, renew=True)
    raise AssertionError("unreachable")


def judge(answer: requests.Response, service: str) -> dict[str, Any]:
    """The answer's body when it says success (`error_code` 0, as a number or a string); else a
    Failure with the portal's message (refused: it answered, with another error_code)."""
    if not 200 <= answer.status_code < 300:
        raise Failure(answer.status_code, f"{service}: HTTP {answer.status_code}: {answer.text[:200]}")
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "error_code" not in body:
        raise Failure(answer.status_code, f"{service}: no error_code in the answer: {answer.text[:200]}")
    code = str(body["error_code"]).strip()
    if code.lstrip("-").isdigit() and int(code) == 0:
        return body
    message = body.get("message") or answer.text[:200]
    raise Failure(answer.status_code, f"{service}: error_code {code}: {message}", refused=True)
