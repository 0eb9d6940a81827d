"""The two pages of an intake, shared by every channel that enters dossiers on a page (the desk,
the citizen area): enter the dossier; review where it goes and attach the scans; file it. What a
channel decides (which fields it offers, the commune and channel of the dossier, who files and
what then) is a subclass's hooks; the checks and the filing are the one filing service's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.http import PortalRequest
from cases import kinds, services
from cases.api.serializers import BundleCreateSerializer
from cases.forms import Intake, payload_as_post, payload_sections, with_defaults
from cases.models import Bundle, BundleVariant
from cases.services.filing import FILING_SOURCES
from cases.validation import problems_in_one_round
from cases.views.guides import guide_url
from portal.errors import Invalid

DOCUMENT_ROWS = range(1, 5)  # scans attached on the review page (more can be added afterwards)
SIGNED = "intake"  # salt of the reviewed dossier carried by the review page
REVIEW_HOURS = 4  # a review page older than this must be checked again


def known_kind(kind: str) -> str:
    if kinds.find(kind) is None:
        raise Http404
    return kind


def cited(data: Mapping[str, Any], user: Any) -> Any:
    """What the dossier being entered cites from outside the engine (a hospital's notice), for
    the page to show; None when nothing (or nothing this user may see)."""
    return next((shown for source in FILING_SOURCES if (shown := source.cited(data, user)) is not None), None)


class IntakeFlow:
    """Enter a dossier (GET), check it and show what filing would do (POST "review"), go back to
    correct it ("edit"), or file it with its scanned documents ("file")."""

    def __init__(self, request: PortalRequest, kind: str) -> None:
        self.request = request
        self.kind = known_kind(kind)

    # --- what a channel decides -------------------------------------------------------------
    def form(self, data: Any = None) -> Intake:
        return Intake(self.kind, data if data is not None else self.initial())

    def initial(self) -> dict[str, Any] | None:
        """The form data a new dossier starts from (None: the form's own defaults)."""
        return None

    def prefilled(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The form data of a new dossier that starts from `payload` (the bundle with every
        procedure, the newest variant, unless it says otherwise; the fields it leaves empty at
        their defaults, as on the desk's empty form)."""
        data = with_defaults(self.kind, payload_as_post({"kind": self.kind, "delivery": "electronic", **payload}))
        if not data.get("variant"):
            latest = BundleVariant.objects.filter(kind=self.kind).order_by("-pk").first()
            data["variant"] = str(latest.pk) if latest else ""
        return data

    def commune(self, form: Intake) -> str:
        """The code of the commune the dossier is filed in."""
        raise NotImplementedError

    def payload(self, form: Intake) -> dict[str, Any]:
        return form.payload(commune=self.commune(form))

    def part_url(self) -> str:
        """Where the kind's own part of the page asks again (HTMX, `part`)."""
        raise NotImplementedError

    def preview(self, data: dict[str, Any]) -> services.FilingPlan:
        return services.bundle_preview(user=self.request.user, data=data)

    def file(self, data: dict[str, Any], documents: list[services.Document]) -> Bundle:
        return services.bundle_file(user=self.request.user, data=data, documents=documents)[0]

    def filed(self, bundle: Bundle) -> HttpResponse:
        raise NotImplementedError

    def start_again(self) -> HttpResponse:
        raise NotImplementedError

    def extra_context(self) -> dict[str, Any]:
        return {}

    def title(self) -> Any:
        return kinds.get(self.kind).new_title

    # --- the flow ------------------------------------------------------------------------------
    def handle(self) -> HttpResponse:
        request = self.request
        action = request.POST.get("action", "review") if request.method == "POST" else ""
        if not action:
            return self.form_page(self.form())
        if action in ("edit", "file"):
            payload = self._unsigned(request.POST.get("payload", ""))
            if payload is None or payload.get("kind") != self.kind:
                messages.error(request, _("The review page was too old. Check the dossier again, then file it."))
                return self.start_again()
            if action == "file":
                return self._file(payload)
            return self.form_page(self.form(payload_as_post(payload)))
        form = self.form(request.POST)
        payload = self.payload(form)
        checked = BundleCreateSerializer(data=payload)
        if not checked.is_valid():
            form.refuse(problems_in_one_round(payload, checked.errors, on=timezone.localdate()))
            return self.form_page(form, status=400)
        try:
            plan = self.preview(checked.validated_data)
        except Invalid as refused:
            form.refuse(refused.errors)
            return self.form_page(form, status=400)
        return self._review(form, payload, plan)

    def part(self) -> HttpResponse:
        """The kind's own part of the page again, with what the answers so far lead to (say, the
        dossier's category, the office it picks and the amount it gives)."""
        form = self.form(self.request.POST)
        if form.part is None or form.spec.intake_template is None:
            raise Http404
        context = {"intake": form, "kind": form.kind, "part": self._part(form), "part_url": self.part_url()}
        return render(self.request, form.spec.intake_template, context)

    def _part(self, form: Intake) -> dict[str, Any] | None:
        return form.spec.intake_context(form, self.commune(form)) if form.part is not None else None

    def form_page(self, form: Intake, *, status: int = 200) -> HttpResponse:
        context = {
            **form_context(form),
            "part": self._part(form),
            "part_url": self.part_url(),
            "title": self.title(),
            "notice": cited(form.top.data, self.request.user),
            **self.extra_context(),
        }
        return render(self.request, "cases/intake.html", context, status=status)

    def _review(
        self,
        form: Intake,
        payload: dict[str, Any],
        plan: services.FilingPlan,
        *,
        slots: list[ScanSlot] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "intake": form,
            "kind": form.kind,
            "payload": payload,
            "summary": payload_sections(payload),
            "signed": signing.dumps(payload, salt=SIGNED, compress=True),
            "plan": plan,
            "guide_url": guide_url(self.kind, plan.variant.pk, plan.category),
            "document_kinds": form.spec.documents,
            "scan_slots": slots or [ScanSlot(row) for row in DOCUMENT_ROWS],
            "scan_problems": [problem for slot in slots or [] for problem in slot.problems],
            "notice": cited(payload, self.request.user),
            **self.extra_context(),
        }
        return render(self.request, "cases/intake_review.html", context, status=status)

    @staticmethod
    def _unsigned(signed: str) -> dict[str, Any] | None:
        try:
            payload = signing.loads(signed, salt=SIGNED, max_age=REVIEW_HOURS * 3600)
        except signing.BadSignature:
            return None
        return payload if isinstance(payload, dict) else None

    def _file(self, payload: dict[str, Any]) -> HttpResponse:
        """File the reviewed dossier with its scans (one service, one transaction: a refused scan
        files nothing)."""
        rows, documents = scans(self.request, DOCUMENT_ROWS, "document-{}-kind", "document-{}-file")
        checked = BundleCreateSerializer(data=payload)
        form = self.form(payload_as_post(payload))
        if not checked.is_valid():
            form.refuse(problems_in_one_round(payload, checked.errors, on=timezone.localdate()))
            return self.form_page(form, status=400)
        try:
            bundle = self.file(checked.validated_data, documents)
        except Invalid as refused:
            if not scans_refused(refused):
                form.refuse(refused.errors)
                return self.form_page(form, status=400)
            # The dossier itself passed: the review page again, each refusal at the field of its
            # slot, the types chosen kept (a browser cannot keep the files: their names are shown).
            plan = self.preview(checked.validated_data)
            slots = scan_slots(self.request, DOCUMENT_ROWS, "document", refused=refused, sent=rows)
            return self._review(form, payload, plan, slots=slots, status=400)
        return self.filed(bundle)


def form_context(form: Intake) -> dict[str, Any]:
    """What every page with the intake's form shows around its fields (the desk's, the citizen's,
    the offline capture): the variants' procedures for the script that hides unneeded sections,
    and each variant's guide."""
    return {
        "intake": form,
        "kind": form.kind,
        "variants_json": json.dumps({str(v.pk): [p.code for p in v.procedures.all()] for v in form.variants}),
        "guides": [(variant, guide_url(form.kind, variant.pk)) for variant in form.variants],
    }


def scans(
    request: PortalRequest, rows: range, label_field: str, file_field: str
) -> tuple[list[int], list[services.Document]]:
    """The page's rows that carry a scan, and each as the services take it (refusals come back by
    its place in this list, "documents.<n>", counted from 1)."""
    uploads = {row: upload for row in rows if (upload := request.FILES.get(file_field.format(row)))}
    documents = [
        services.Document(label=request.POST.get(label_field.format(row), "").strip(), file=upload)
        for row, upload in uploads.items()
    ]
    return list(uploads), documents


def scans_refused(refused: Invalid) -> bool:
    """Whether what was refused is one of the scans ("documents.<n>..."), not the dossier itself."""
    return any(path.startswith("documents.") for path in refused.errors)


@dataclass(frozen=True)
class ScanSlot:
    """One upload slot of a page, as it is shown again after a refusal: the document type chosen
    (kept), the name of the file chosen (a browser cannot keep the file itself), and the refusals
    of each of its two fields, shown at that field."""

    row: int
    kind: str = ""
    file_name: str = ""
    kind_errors: tuple[str, ...] = ()
    file_errors: tuple[str, ...] = ()

    @property
    def problems(self) -> list[tuple[str, str, str]]:
        """(row, field, message) of each refusal, for the page's summary that links to the field."""
        fields = (("kind", self.kind_errors), ("file", self.file_errors))
        return [(str(self.row), field, problem) for field, problems in fields for problem in problems]


def scan_slots(
    request: PortalRequest, rows: range, prefix: str, *, refused: Invalid, sent: list[int]
) -> list[ScanSlot]:
    """The page's slots (`<prefix>-<row>-kind`, `<prefix>-<row>-file`) as sent, with the refusals
    of the scans (`documents.<n>.file` or `.label`, n counting the `sent` rows from 1) at their
    field."""
    problems: dict[tuple[int, str], list[str]] = {}
    for path, refusals in refused.errors.items():
        parts = path.split(".")
        if parts[0] == "documents" and len(parts) == 3 and parts[1].isdigit() and 0 < int(parts[1]) <= len(sent):
            field = "kind" if parts[2] == "label" else "file"
            problems.setdefault((sent[int(parts[1]) - 1], field), []).extend(refusals)
    slots = []
    for row in rows:
        upload = request.FILES.get(f"{prefix}-{row}-file")
        slots.append(
            ScanSlot(
                row,
                kind=request.POST.get(f"{prefix}-{row}-kind", "").strip(),
                file_name=(upload.name or "") if upload else "",
                kind_errors=tuple(problems.get((row, "kind"), [])),
                file_errors=tuple(problems.get((row, "file"), [])),
            )
        )
    return slots
