"""Reads of hospital notices: what a citizen is offered, what a desk may fill a dossier from."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from agencies import access
from agencies.choices import UnitLevel
from agencies.models import AdministrativeUnit, UnitSuccession, User
from agencies.selectors import seat_of
from cases.models import LIVE, Bundle
from health.models import HealthNotice, NoticeKind


def unused() -> Q:
    """Notices no live dossier cites (never cited, or cited by one refused or withdrawn)."""
    return Q(bundle__isnull=True) | ~Q(bundle__in=Bundle.objects.filter(LIVE))


def offers_for(user: User) -> QuerySet[HealthNotice]:
    """The notices a citizen's area offers them (the mother, the relative), newest first."""
    return (
        HealthNotice.objects.restrict(user, access.FILE)
        .filter(unused())
        .select_related("facility")
        .order_by("-event_at", "-pk")
    )


def notice_for_desk(*, user: User, kind: str, number: str) -> list[HealthNotice]:
    """The unused notices of `kind` with certificate number `number` (normally one) that `user`
    may file a dossier from."""
    found = HealthNotice.objects.restrict(user, access.FILE).filter(
        unused(), kind=kind, certificate_number=number.strip()
    )
    return list(found.select_related("facility")[:2])


def notice_dossier_for_desk(*, kind: str, number: str) -> str | None:
    """The code of the live dossier that already cites the notice of `kind` numbered `number`, if
    one does (what filing it by hand would be refused for: the desk is told at the look-up)."""
    return (
        Bundle.objects.filter(LIVE, health_notices__kind=kind, health_notices__certificate_number=number.strip())
        .values_list("code", flat=True)
        .first()
    )


def commune_today(codes: tuple[str, ...], on: datetime.date) -> AdministrativeUnit | None:
    """Today's commune for a residence given as (province, district, commune) codes, old ones
    included: a code valid today is taken as it is; an older commune's code goes to the commune
    that holds its seat today (agencies.selectors.seat_of, as the reports count it)."""
    code = codes[-1] if codes else ""
    if not code:
        return None
    current = AdministrativeUnit.objects.valid_on(on).filter(code=code, level=UnitLevel.COMMUNE).first()
    if current is not None:
        return current
    successions = list(
        UnitSuccession.objects.filter(old__code=code, old__level=UnitLevel.COMMUNE).select_related("old", "new")
    )
    if not successions:
        return None
    return AdministrativeUnit.objects.valid_on(on).filter(code=seat_of(successions), level=UnitLevel.COMMUNE).first()


def filing_data(notice: HealthNotice) -> dict[str, Any]:
    """The filing API's sections that `notice` fills, and the notice itself (`health_notice`)."""
    sections = {key: value for key, value in notice.data.items() if key != "facts"}
    return {**sections, "health_notice": notice.pk}


def notice_get(pk: Any, user: User) -> HealthNotice | None:
    """The notice a dossier being entered cites (a page's hidden field), if this user may see it:
    a citizen only those that name them."""
    if not str(pk or "").isdigit():
        return None
    return HealthNotice.objects.restrict(user, access.FILE).select_related("facility").filter(pk=pk).first()


def receipt_documents(bundle: Bundle) -> list[str]:
    """The hospital notices a dossier was filed from, as its receipt lists them among the documents
    received electronically (registered in cases.documents.RECEIPT_DOCUMENTS): the certificate's
    number and the facility; a signed XML notice was stored only once its signature checked out."""
    names = {NoticeKind.BIRTH: "Giấy chứng sinh", NoticeKind.DEATH: "Giấy báo tử"}
    return [
        f"{names[NoticeKind(notice.kind)]} số {notice.certificate_number} của {notice.facility.name}"
        + (" (đã kiểm tra chữ ký số)" if notice.signer else " (nhận từ hệ thống của cơ sở y tế)")
        for notice in HealthNotice.objects.filter(bundle=bundle).select_related("facility").order_by("pk")
    ]
