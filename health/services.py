"""Writes of hospital notices: receive one, let a dossier cite one, purge the unused."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import UserRole
from agencies.models import User
from cases import kinds
from cases.models import Bundle
from cases.validation import value_at
from health import notices
from health.models import HealthFacility, HealthNotice, NoticeAction, NoticeEvent
from health.selectors import commune_today, unused
from portal.errors import Forbidden, Invalid


def _facility(user: User) -> HealthFacility:
    if user.role != UserRole.HEALTH_FACILITY:
        raise Forbidden(_("Only a health facility can send hospital notices."))
    facility = HealthFacility.objects.filter(client=user).first()
    if facility is None:
        raise Invalid({"MACSKCB": [_("This API client is not a health facility the province has registered.")]})
    return facility


def _keep(facility: HealthFacility, parsed: notices.Parsed, user: User) -> tuple[HealthNotice, bool]:
    """The notice kept, or the one kept before for the same certificate (facility, kind, book,
    number), unchanged; and whether it is new."""
    key = {"facility": facility, "kind": parsed.kind, "book": parsed.book}
    key["certificate_number"] = parsed.certificate_number
    try:
        with transaction.atomic():
            if (kept := HealthNotice.objects.filter(**key).first()) is not None:
                NoticeEvent.record(kept, NoticeAction.REPEATED, user)
                return kept, False
            notice = HealthNotice.objects.create(
                **key,
                link_code=parsed.link_code,
                format=parsed.format,
                data={**parsed.data, "facts": parsed.facts},
                offered_to=parsed.offered_to,
                event_at=parsed.event_at,
                commune=commune_today(parsed.address_codes, timezone.localdate()),
                signer=parsed.signer,
            )
            NoticeEvent.record(notice, NoticeAction.RECEIVED, user)
    except IntegrityError:  # the same certificate posted twice at once: the first one kept
        return HealthNotice.objects.get(**key), False
    return notice, True


def health_notice_receive(*, user: User, body: bytes, content_type: str) -> tuple[HealthNotice, bool]:
    """Check and keep a notice a health facility posted. Returns it and whether it is new: the
    same certificate (facility, kind, book, number) again returns the one kept, unchanged."""
    facility = _facility(user)
    return _keep(facility, notices.parse(facility, body, content_type), user)


def health_notices_receive_gateway(
    *, user: User, envelope: bytes, facility_code: str, file_type: str
) -> list[tuple[HealthNotice, bool]]:
    """Check and keep the notices in an envelope sent as to the Social Security gateway (its
    `maCSKCB` and `loaiHoSo` said in the form): the birth certificates and death notices in it,
    each kept as `health_notice_receive` keeps one, all or none; the other tables ignored."""
    facility = _facility(user)
    if facility_code.strip() != facility.code:
        message = _("The notice is from facility %(code)s, not from this API client's.") % {"code": facility_code}
        raise Invalid({"maCSKCB": [message]})
    if file_type.strip() != "130":
        raise Invalid({"loaiHoSo": [_("The file type is 130 (the tables of Decision 130/QĐ-BYT).")]})
    parsed = notices.parse_gateway(facility, envelope)
    with transaction.atomic():
        return [_keep(facility, notice, user) for notice in parsed]


def notice_problems(user: User, data: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with the notice a dossier cites (`health_notice`), for bundle_preview."""
    pk = data.get("health_notice")
    if not pk:
        return {}
    notice = HealthNotice.objects.filter(unused(), pk=pk).first()
    if notice is None or notice.kind != data["kind"]:
        return {"health_notice": [_("No unused hospital notice %(id)s for this kind of dossier.") % {"id": pk}]}
    if user.role == UserRole.CITIZEN and notice.offered_to != user.personal_id:
        return {"health_notice": [_("This hospital notice does not name you.")]}
    # The value only one live dossier may hold (the certificate number, the deceased's ID) is the notice's.
    path = kinds.get(notice.kind).duplicate
    expected = value_at(notice.data, path) or ""
    if str(value_at(data, path) or "") != expected:
        return {path: [_("Must be %(value)s, as on the hospital notice.") % {"value": expected}]}
    return {}


def notice_cite(*, user: User, bundle: Bundle, pk: int) -> None:
    """Link the notice to the dossier just filed (in its transaction)."""
    notice = HealthNotice.objects.select_for_update().get(pk=pk)
    notice.bundle = bundle
    notice.save(update_fields=["bundle"])
    NoticeEvent.record(notice, NoticeAction.CITED, user, bundle.code or "")


class NoticeSource:
    """A hospital notice as what a dossier cites when filed (cases.services.filing.FILING_SOURCES):
    checked with the filing's other rules, linked in its transaction."""

    def problems(self, user: User, data: dict[str, Any]) -> dict[str, list[str]]:
        return notice_problems(user, data)

    def cite(self, *, user: User, bundle: Bundle, data: dict[str, Any]) -> None:
        if data.get("health_notice"):
            notice_cite(user=user, bundle=bundle, pk=data["health_notice"])

    def desk_prefill(self, *, user: User, kind: str, query: Any) -> tuple[dict[str, Any] | None, str]:
        """`?certificate=<number>`: the dossier filled from the hospital's notice of that number,
        or what the desk is told instead."""
        from health.selectors import filing_data, notice_dossier_for_desk, notice_for_desk

        number = str(query.get("certificate", "")).strip()
        if not number:
            return None, ""
        found = notice_for_desk(user=user, kind=kind, number=number)
        if len(found) == 1:
            return filing_data(found[0]), ""
        code = None if found else notice_dossier_for_desk(kind=kind, number=number)
        if code:
            message = _("The hospital notice numbered %(number)s is already in dossier %(code)s: open that dossier.")
        elif not found:
            message = _("No hospital notice numbered %(number)s that no dossier uses yet: enter the dossier by hand.")
        else:
            message = _("Several hospitals sent a notice numbered %(number)s: enter the dossier by hand.")
        return None, message % {"number": number, "code": code}

    def cited(self, data: Mapping[str, Any], user: User) -> Any:
        from health.selectors import notice_get

        return notice_get(data.get("health_notice"), user)


def notices_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the notices no live dossier cites, received more than HEALTH_NOTICE_KEEP_DAYS ago.
    Their audit events stay (without personal data). Returns how many went."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.HEALTH_NOTICE_KEEP_DAYS)
    with transaction.atomic():
        old = list(HealthNotice.objects.filter(unused(), received_at__lt=cutoff).select_for_update())
        for notice in old:
            NoticeEvent.record(notice, NoticeAction.PURGED)
        HealthNotice.objects.filter(pk__in=[notice.pk for notice in old]).delete()
    return len(old)
