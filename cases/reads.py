"""Reads of personal data (Decree 13/2023/NĐ-CP): who saw which dossier, through which channel,
in a list or opened. The selectors that hand personal data out record the read as they read
(cases.selectors: a dossier's page, a step's page, a scan, a page of a list, the API's answers);
the admin records the dossiers it opens. The citizen sees the summary in their area."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone

from cases.choices import ReadKind
from cases.models import Bundle, PersonalDataAccess

if TYPE_CHECKING:
    from agencies.models import User


def personal_data_access_record(
    *,
    user: User,
    bundles: Iterable[Bundle] = (),
    bundle_ids: Iterable[int] = (),
    channel: str,
    kind: str = ReadKind.OPENED,
) -> None:
    """Note that `user` saw these bundles' personal data (Decree 13/2023/NĐ-CP), in a list
    (`kind=ReadKind.LISTED`) or by opening the dossier: one statement for a page of any length (on
    PostgreSQL without building a model instance per row)."""
    ids = [*bundle_ids, *(bundle.pk for bundle in bundles)]
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_personaldataaccess (bundle_id, user_id, at, channel, kind)"
                " SELECT unnest(%s::bigint[]), %s, %s, %s, %s",
                [ids, user.pk, timezone.now(), channel, kind],
            )
    else:
        PersonalDataAccess.objects.bulk_create(
            [PersonalDataAccess(bundle_id=pk, user=user, channel=channel, kind=kind) for pk in ids]
        )
