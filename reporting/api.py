"""API v1 reports (docs/api-contract.md): the same selectors and rows as the dashboard and exports."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.choices import UnitLevel
from cases.choices import Source
from portal.api import DATE_OR_EMPTY, query_bool, query_choice, query_date
from reporting import selectors
from reporting.tables import rate_record, sla_record

PERIOD = [
    OpenApiParameter("from", DATE_OR_EMPTY, description="First day (YYYY-MM-DD); default the 1st of `to`'s month."),
    OpenApiParameter("to", DATE_OR_EMPTY, description="Last day (YYYY-MM-DD); default today."),
]
COMMON = [OpenApiParameter("unit"), *PERIOD]
LEVELS = (UnitLevel.DISTRICT, UnitLevel.COMMUNE)
SORTS = [f"{d}{c}" for c in selectors.RATE_SORTS for d in ("", "-")]


def _period(request: Request) -> tuple[Any, Any]:
    first, last = query_date(request, "from"), query_date(request, "to")
    return selectors.period(
        first.isoformat() if first else None, last.isoformat() if last else None, timezone.localdate()
    )


class OnlineRate(APIView):
    """Online share of the dossiers received in the period, per unit, against its target."""

    @extend_schema(
        parameters=[
            *COMMON,
            OpenApiParameter("level", enum=[*LEVELS, ""]),
            OpenApiParameter("remap", bool),
            OpenApiParameter(
                "sort",
                enum=[*SORTS, ""],
                description="Column to sort the rows by, '-' before it for descending; ties by code (default: code).",
            ),
            OpenApiParameter(
                "only",
                enum=[*selectors.RATE_FILTERS, ""],
                description="below: below the target; empty: no dossier in the period.",
            ),
            OpenApiParameter("pilot_first", bool, description="The pilot units first, each group in the sort order."),
        ],
        responses=inline_serializer(
            "OnlineRateReport",
            {
                "rows": serializers.ListField(child=serializers.DictField()),
                "total": serializers.DictField(),
                "unplaced": serializers.IntegerField(),
                "online_by_source": serializers.DictField(
                    child=serializers.IntegerField(),
                    help_text="The online dossiers of the total by where they came from: "
                    "citizen (the citizen area, e-ID), partner (the national portal and partner systems).",
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        first, last = _period(request)
        report = selectors.online_rate(
            user=request.user,  # type: ignore[arg-type]
            code=request.query_params.get("unit"),
            first=first,
            last=last,
            level=query_choice(request, "level", LEVELS),
            remap=query_bool(request, "remap"),
        )
        rows = selectors.rate_rows(
            report,
            sort=query_choice(request, "sort", SORTS),
            only=query_choice(request, "only", selectors.RATE_FILTERS),
            pilot_first=query_bool(request, "pilot_first"),
        )
        return Response(
            {
                "rows": [rate_record(row) for row in rows],
                "total": rate_record(report.total),
                "unplaced": report.unplaced,
                "online_by_source": {
                    source: report.online_by_source.get(source, 0) for source in (Source.CITIZEN, Source.PARTNER)
                },
            }
        )


class Sla(APIView):
    """Per office and procedure: received, in progress, on time, late, overdue now, returned,
    refused, apologies owed, median and 90th-percentile working days to result."""

    @extend_schema(
        parameters=COMMON,
        responses=inline_serializer("SlaReport", {"rows": serializers.ListField(child=serializers.DictField())}),
    )
    def get(self, request: Request) -> Response:
        first, last = _period(request)
        rows = selectors.sla(
            user=request.user,  # type: ignore[arg-type]
            code=request.query_params.get("unit"),
            first=first,
            last=last,
            today=timezone.localdate(),
        )
        return Response({"rows": [sla_record(row) for row in rows]})


class FuneralAmounts(APIView):
    """Funeral allowances decided in the period at another amount than the rate table's, per
    office, with both figures and the officer's reason (provincial staff, their province)."""

    @extend_schema(
        parameters=PERIOD,
        responses=inline_serializer(
            "FuneralAmountExceptions",
            {
                "rows": inline_serializer(
                    "FuneralAmountException",
                    {
                        "office": serializers.CharField(),
                        "code": serializers.CharField(),
                        "commune": serializers.CharField(),
                        "category": serializers.CharField(),
                        "rule_vnd": serializers.IntegerField(),
                        "amount_vnd": serializers.IntegerField(),
                        "reason": serializers.CharField(),
                        "officer": serializers.CharField(),
                        "decided_at": serializers.DateTimeField(),
                    },
                    many=True,
                )
            },
        ),
    )
    def get(self, request: Request) -> Response:
        first, last = _period(request)
        rows = selectors.funeral_amount_exceptions(user=request.user, first=first, last=last)  # type: ignore[arg-type]
        return Response(
            {
                "rows": [
                    {
                        "office": row.office,
                        "code": row.code,
                        "commune": row.commune,
                        "category": row.category,
                        "rule_vnd": row.rule_vnd,
                        "amount_vnd": row.amount_vnd,
                        "reason": row.reason,
                        "officer": row.officer,
                        "decided_at": timezone.localtime(row.decided_at).isoformat(),
                    }
                    for row in rows
                ]
            }
        )
