"""The clerk's intake form. Its fields are made from the API's input serializers and everything it
sends is checked by that serializer and then by `bundle_preview`, as a partner's dossier is: the
page holds no rule of its own. Fields are named by their path in the dossier ("child-full_name"
for child.full_name), so every refusal lands next to the field it names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import kinds
from cases.api import serializers as s
from cases.choices import Channel
from cases.models import BundleVariant
from cases.results import result_label
from cases.services import DESK_CHANNELS
from cases.validation import flat_problems
from portal.dates import bad_date, date_widget, parse_date, shown_date

APPLICANT = {"applicant": (_("Applicant"), s.ApplicantSerializer)}
# Labels of the fields every kind has; each kind adds its own (cases.kinds.Kind.labels).
LABELS = {
    "full_name": _("Full name"),
    "date_of_birth": _("Date of birth"),
    "id_number": _("Personal ID number (12 digits)"),
    "relationship": _("Relationship to the person registered"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "sex": _("Sex"),
}
CHOICE_LABELS = {"sex": dict(s.SEX)}


def kind_sections(kind: str) -> dict[str, tuple[Any, type[serializers.Serializer]]]:
    """The sections of a kind's dossier in the pages' order: the applicant's, then the kind's."""
    return {**APPLICANT, **kinds.get(kind).sections}


def field_label(name: str) -> Any:
    """A dossier field's label: a common one, else the first kind that names it."""
    return LABELS[name] if name in LABELS else kinds.lookup("labels", name, name)


def _choice_labels(name: str) -> dict[str, Any] | None:
    return CHOICE_LABELS[name] if name in CHOICE_LABELS else kinds.lookup("choice_labels", name)


def document_name(name: str) -> str:
    """A document's name in the page's language."""
    if not (get_language() or "").startswith("en"):
        return name
    return str(kinds.lookup("document_names_en", name, name))


def _form_field(field: serializers.Field, name: str) -> forms.Field:
    """The page's field for a serializer field. Nothing is checked here: the serializer does it."""
    label = field_label(name)
    if isinstance(field, serializers.BooleanField):
        return forms.BooleanField(label=label, required=False)
    if isinstance(field, serializers.ChoiceField):
        return forms.ChoiceField(
            label=label, required=False, choices=list(field.choices.items()), widget=forms.RadioSelect
        )
    attrs = {"autocomplete": "off"}
    if isinstance(field, serializers.DateField):
        return forms.CharField(label=label, required=False, widget=date_widget())
    if name in ("id_number", "phone"):
        attrs["inputmode"] = "numeric"
    initial = None if field.default is serializers.empty else field.default
    return forms.CharField(
        label=label,
        required=False,
        max_length=getattr(field, "max_length", None),
        widget=forms.TextInput(attrs),
        initial=initial,
    )


def _section_form(path: str, serializer_class: type[serializers.Serializer], data: Any) -> forms.Form:
    serializer = serializer_class()
    fields = {
        name: _form_field(field, name)
        for name, field in serializer.fields.items()
        if not isinstance(field, serializers.BaseSerializer) and not (path == "residence" and name == "commune")
    }
    return type("SectionForm", (forms.Form,), fields)(data=data, prefix=path.replace(".", "-"))


class TopForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=BundleVariant.objects.none(), label=_("Procedures asked for"), widget=forms.RadioSelect, required=False
    )
    channel = forms.ChoiceField(
        label=_("How the dossier was received"), choices=Channel.choices, widget=forms.RadioSelect, required=False
    )
    needs_verification = forms.BooleanField(label=_("Needs verification (5 working days)"), required=False)
    delivery = forms.ChoiceField(
        label=_("Results delivered"),
        choices=s.DELIVERY,
        widget=forms.RadioSelect,
        required=False,
    )
    health_notice = forms.CharField(required=False, widget=forms.HiddenInput)  # the hospital's notice filed from

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The desk is offered only the channels it may file; any other is refused by the service
        # (bundle_preview), whose message then appears under the field.
        self.fields["channel"].widget.choices = [(channel.value, channel.label) for channel in DESK_CHANNELS]


@dataclass
class Section:
    path: str
    legend: Any
    serializer: type[serializers.Serializer]
    form: forms.Form
    procedures: list[str]  # the procedures that need it: the page hides it when none is asked for


class Intake:
    """The whole intake page for one kind of bundle, bound to what the clerk sent (or to a payload
    coming back from the review page)."""

    def __init__(self, kind: str, data: Any = None) -> None:
        self.kind = kind
        self.spec = kinds.get(kind)
        self.top = TopForm(data=data)
        variants = BundleVariant.objects.filter(kind=kind).prefetch_related("procedures").order_by("-pk")
        self.top.fields["variant"].queryset = variants  # type: ignore[attr-defined]
        self.top.fields["variant"].label_from_instance = lambda variant: variant.shown_name  # type: ignore[attr-defined]
        if self.spec.bundle_limit is None:  # verification lengthens only a bundle-wide limit
            del self.top.fields["needs_verification"]
        if data is None:
            self.top.initial = {"channel": Channel.DIRECT, "delivery": "electronic", "variant": variants.first()}
        self.variants = list(variants)
        needs: dict[str, list[str]] = {}
        for variant in self.variants:
            for procedure in variant.procedures.all():
                for section in procedure.data_sections:
                    needs.setdefault(section, []).append(procedure.code)
        self.sections = [
            Section(
                path,
                legend,
                serializer,
                _section_form(path, serializer, data),
                sorted(set(needs.get(path.split(".")[0], []))),
            )
            for path, (legend, serializer) in kind_sections(kind).items()
        ]
        # The kind's own part of the page, if it has one (say, questions that decide its category).
        self.part = self.spec.intake_form(data)
        self.errors: dict[str, list[str]] = {}
        self.bad_dates: dict[str, str] = {}  # path → a date as typed that does not parse

    def procedures(self) -> list[str]:
        variant = self.top.data.get("variant")
        chosen = next((v for v in self.variants if str(v.pk) == variant), None)
        return [procedure.code for procedure in chosen.procedures.all()] if chosen else []

    def payload(self, commune: str) -> dict[str, Any]:
        """The dossier as the API takes it, from what the clerk entered for the chosen procedures."""
        data = self.top.data
        procedures = self.procedures()
        payload: dict[str, Any] = {
            "kind": self.kind,
            "procedures": procedures,
            "channel": data.get("channel", ""),
            "commune": commune,
            "delivery": data.get("delivery") or "electronic",
        }
        if "needs_verification" in self.top.fields:
            payload["needs_verification"] = bool(data.get("needs_verification"))
        if notice := data.get("health_notice"):
            payload["health_notice"] = notice
        for section in self.sections:
            if section.procedures and not set(section.procedures) & set(procedures):
                continue
            values: dict[str, Any] = {}
            for name, field in section.form.fields.items():
                raw = section.form[name].value()
                if isinstance(field, forms.BooleanField):
                    values[name] = bool(raw)
                elif raw not in (None, "") and isinstance(section.serializer().fields[name], serializers.DateField):
                    day = parse_date(raw)
                    if day is None:
                        self.bad_dates[f"{section.path}.{name}"] = raw
                    values[name] = day.isoformat() if day else raw.strip()
                elif raw not in (None, ""):
                    values[name] = raw.strip()
            if not any(value for value in values.values() if value is not True):
                continue  # left empty: the serializer says whether it was needed
            *parents, leaf = section.path.split(".")
            target = payload
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = {**values, **target.get(leaf, {})}
        if self.part is not None:
            self.spec.intake_payload(self.part, payload, procedures)
        return payload

    def refuse(self, problems: dict[str, Any]) -> None:
        """Put each problem next to its field (paths as the API names them). A whole section left
        blank ("mother": required) marks each field that section needs."""
        flat = flat_problems(problems)
        if self.part is not None:
            flat = self.spec.intake_refusals(self, flat)
        for path, messages in flat.items():
            if path in self.bad_dates:  # the summary names the field: the message does not repeat it
                messages = [bad_date(raw=self.bad_dates[path])]
            whole = next((sec for sec in self.sections if sec.path == path), None)
            if whole is not None:
                for sec, name in self._needed_fields(whole):
                    if name not in sec.form.errors:
                        sec.form.add_error(name, messages)
                continue
            section = max(
                (sec for sec in self.sections if path.startswith(sec.path + ".")),
                key=lambda sec: len(sec.path),
                default=None,
            )
            name = path[len(section.path) + 1 :] if section else path
            if section is not None and name in section.form.fields:
                section.form.add_error(name, messages)
            elif path.split(".")[0] == "procedures":
                self.top.add_error("variant", messages)
            elif name in self.top.fields and not section and not self.top.fields[name].widget.is_hidden:
                self.top.add_error(name, messages)
            else:
                self.errors.setdefault(path, []).extend(messages)

    def _needed_fields(self, section: Section) -> list[tuple[Section, str]]:
        """The fields a section cannot do without (its nested part's too); the first field when none is."""
        needed: list[tuple[Section, str]] = []
        for name, field in section.serializer().fields.items():
            nested = next((sec for sec in self.sections if sec.path == f"{section.path}.{name}"), None)
            if isinstance(field, serializers.BaseSerializer) and nested is not None:
                needed += self._needed_fields(nested)
            elif field.required and not isinstance(field, serializers.BooleanField) and name in section.form.fields:
                needed.append((section, name))
        return needed or [(section, next(iter(section.form.fields)))]

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Every problem in the page's order as (id of the field it points at, label, message):
        the links of the error summary at the top of the page."""
        summary: list[tuple[str, str, str]] = []
        parts: list[tuple[Any, forms.Form | None]] = [
            (None, self.top),
            *((sec.legend, sec.form) for sec in self.sections),
            (None, self.part),
        ]
        for legend, form in parts:
            if form is None or not form.is_bound:
                continue
            for name, field in form.fields.items():
                bound = form[name]
                target = bound.auto_id + ("_0" if isinstance(field.widget, forms.RadioSelect) else "")
                label = f"{legend} – {field.label}" if legend else str(field.label)
                summary += [(target, label, str(message)) for message in bound.errors]
        for path, messages in self.errors.items():
            target, label = ("dossier", "")
            if path == self.spec.intake_field and self.part is not None:
                target, label = self.part[next(iter(self.part.fields))].auto_id, str(self.spec.intake_legend)
            summary += [(target, label, str(message)) for message in messages]
        return summary

    @property
    def has_errors(self) -> bool:
        forms_ = [self.top, *(section.form for section in self.sections)]
        return bool(self.errors) or any(form.is_bound and form.errors for form in forms_)


def section_rows(kind: str, path: str, values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A dossier section as label / value rows (a nested part, such as the household head, inline)."""
    rows: list[tuple[str, Any]] = []
    sections = kind_sections(kind)
    for name, value in values.items():
        if isinstance(value, dict):
            nested = f"{path}.{name}"
            rows += section_rows(kind, nested, value, prefix=f"{sections.get(nested, (name,))[0]}: ")
        elif name != "commune":
            rows.append((f"{prefix}{field_label(name)}", shown_value(name, value)))
    return rows


def shown_value(name: str, value: Any) -> Any:
    """A value as people read it: yes / no, a choice's label, a date as dd/mm/yyyy."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if (labels := _choice_labels(name)) is not None:
        return labels.get(value, value)
    return shown_date(value) if isinstance(value, str) else value


def payload_sections(payload: dict[str, Any]) -> list[tuple[Any, list[tuple[str, Any]]]]:
    """The review page's summary: each section the dossier has, in the page's order."""
    kind = payload["kind"]
    return [
        (legend, section_rows(kind, path, payload[path]))
        for path, (legend, _serializer) in kind_sections(kind).items()
        if isinstance(payload.get(path), dict)
    ]


def with_defaults(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Form data `data` with each dossier field it leaves empty at its default (the child's
    ethnicity "Kinh" and nationality "VN"): what an empty form shows, for a form that starts
    filled (the citizen's, one filled from a hospital's notice)."""
    filled = dict(data)
    for path, (_legend, serializer_class) in kind_sections(kind).items():
        for name, field in serializer_class().fields.items():
            if isinstance(field, serializers.BaseSerializer | serializers.BooleanField):
                continue
            key = f"{path.replace('.', '-')}-{name}"
            if field.default is not serializers.empty and not filled.get(key):
                filled[key] = str(field.default)
    return filled


def payload_as_post(payload: dict[str, Any]) -> dict[str, Any]:
    """The form data that shows a payload again (back from the review page to correct it)."""
    kind = payload["kind"]
    variants = BundleVariant.objects.filter(kind=kind).prefetch_related("procedures")
    data: dict[str, Any] = {
        "channel": payload.get("channel", ""),
        "commune": payload.get("commune", ""),
        "delivery": payload.get("delivery", ""),
        "needs_verification": "on" if payload.get("needs_verification") else "",
        "health_notice": str(payload.get("health_notice") or ""),
    }
    wanted = set(payload.get("procedures", []))
    for variant in variants:
        if {procedure.code for procedure in variant.procedures.all()} == wanted:
            data["variant"] = str(variant.pk)

    def walk(prefix: str, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if isinstance(value, dict):
                walk(f"{prefix}-{name}" if prefix else name, value)
            elif prefix:
                shown = shown_date(value) if name in _date_fields(kind, prefix.replace("-", ".")) else str(value)
                data[f"{prefix}-{name}"] = "on" if value is True else "" if value is False else shown

    walk("", {key: value for key, value in payload.items() if isinstance(value, dict)})
    data.update(kinds.get(kind).intake_post(payload))
    return data


def _date_fields(kind: str, path: str) -> set[str]:
    sections = kind_sections(kind)
    serializer = sections[path][1]() if path in sections else None
    return {
        name
        for name, field in (serializer.fields.items() if serializer else ())
        if isinstance(field, serializers.DateField)
    }


# --- Officers' forms: like the intake, they only collect; the services check -----------------------


def result_form(
    procedure_fields: list[dict[str, str]],
    *,
    data: Any = None,
    files: Any = None,
    initial: Any = None,
    extract: bool = False,
) -> forms.Form:
    """The result fields of a procedure (Procedure.result_fields), under the prefix "result"; with
    `extract`, the file of the electronic extract too (a civil-status step)."""
    fields: dict[str, forms.Field] = {}
    for field in procedure_fields:
        name, kind = field["name"], field["type"]
        widget: forms.Widget = forms.TextInput(attrs={"autocomplete": "off"})
        if kind == "date":
            widget = date_widget()
        elif kind in ("amount", "id_number"):
            widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        fields[name] = forms.CharField(label=result_label(name), required=False, widget=widget)
    if any(field["type"] == "amount" for field in procedure_fields):
        fields["amount_reason"] = forms.CharField(
            label=_("Reason for an amount other than the rate table's"),
            help_text=_(
                "Only for an amount above the one filled in from the rate table: say why, with the number and "
                "date of the decision that allows it."
            ),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    if extract:
        fields["extract"] = forms.FileField(
            label=_("Electronic extract (PDF signed by the civil-status system)"),
            help_text=_("Its signature is checked, and its numbers must be the ones above."),
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        )
    fields["confirm"] = confirm_field(_("I have checked the result: once recorded it cannot be changed"))
    return type("ResultForm", (forms.Form,), fields)(data=data, files=files, initial=initial, prefix="result")


def confirm_field(label: Any) -> forms.BooleanField:
    """The tick an irreversible action needs; the view refuses the action without it (the server
    decides, not a script in the browser)."""
    return forms.BooleanField(label=label, required=False)


def unconfirmed(form: forms.Form) -> dict[str, list[str]]:
    """The problem of an irreversible action sent without its tick (nothing is changed then)."""
    return {} if form["confirm"].value() else {"confirm": [gettext("Tick the box to confirm: this cannot be undone.")]}


def result_bad_dates(form: forms.Form, procedure_fields: list[dict[str, str]]) -> dict[str, list[str]]:
    """The result's dates that are not dd/mm/yyyy, each under its field."""
    return {
        f"result.{field['name']}": [bad_date(form.fields[field["name"]].label, form[field["name"]].value())]
        for field in procedure_fields
        if field["type"] == "date"
        and (form[field["name"]].value() or "").strip()
        and parse_date(form[field["name"]].value()) is None
    }


def result_values(form: forms.Form, procedure_fields: list[dict[str, str]]) -> dict[str, Any]:
    """What the officer entered, typed as the API takes it (an amount as a whole number)."""
    values: dict[str, Any] = {}
    for field in procedure_fields:
        raw = (form[field["name"]].value() or "").strip()
        if field["type"] == "amount":
            values[field["name"]] = whole_dong(raw)
        elif field["type"] == "date" and (day := parse_date(raw)):
            values[field["name"]] = day.isoformat()
        else:
            values[field["name"]] = raw
    if "amount_reason" in form.fields and (reason := (form["amount_reason"].value() or "").strip()):
        values["amount_reason"] = reason
    return values


def whole_dong(raw: str) -> int | str:
    """A typed amount as a whole number: digits, grouped by threes with the page's language's
    thousands separator (12.000.000 in Vietnamese, 12,000,000 in English) or spaces; else the text
    as typed (the other separator is a decimal part: refused by the service, never dropped)."""
    separator = re.escape(formats.get_format("THOUSAND_SEPARATOR"))
    whole = re.compile(rf"\d+|\d{{1,3}}(?:[{separator} \u00a0]\d{{3}})+")
    return int(re.sub(r"\D", "", raw)) if whole.fullmatch(raw) else raw


class ReturnForm(forms.Form):
    # Not required here: the service says what is missing, once (issue 26).
    reason = forms.CharField(
        label=_("Why the dossier is returned"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    missing = forms.MultipleChoiceField(
        label=_("Missing documents"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    other = forms.CharField(label=_("Other missing document"), required=False)

    prefix = "return"

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [(name, document_name(name)) for name in kinds.get(kind).documents]  # type: ignore[attr-defined]

    def documents(self) -> list[str]:
        assert isinstance(self.data, QueryDict)
        chosen = [name for name in self.data.getlist(self.add_prefix("missing")) if name]
        other = self.data.get(self.add_prefix("other"), "").strip()
        return [*chosen, other] if other else chosen


class SupplementForm(forms.Form):
    """The desk's actions on a dossier, one form each: they collect, the services check."""

    note = forms.CharField(label=_("The missing documents arrived: note"), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("The citizen withdraws the dossier: reason"), required=False)
    confirm = confirm_field(_("The citizen has withdrawn the dossier: it cannot be undone"))


class HandOverForm(forms.Form):
    confirm = confirm_field(_("The citizen has received the results: it cannot be undone"))


class AttachForm(forms.Form):
    kind = forms.CharField(label=_("Document"), required=False)
    file = forms.Field(label=_("File"), required=False)  # the upload itself is read and checked by the service


# By the name the page and its URL give each action.
DESK_FORMS: dict[str, type[forms.Form]] = {
    "supplement": SupplementForm,
    "withdraw": WithdrawForm,
    "hand_over": HandOverForm,
    "attach": AttachForm,
}


class ReasonForm(forms.Form):
    prefix = "refuse"
    reason = forms.CharField(
        label=_("Reason for the refusal"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = confirm_field(_("I confirm the refusal: it cannot be undone"))


class ApologyForm(forms.Form):
    new_appointment_on = forms.CharField(label=_("New appointment date"), widget=date_widget(), required=False)
    prefix = "apology"


class NoteForm(forms.Form):
    """A note to another office working the dossier (cases.services.notes, which checks it): to
    whom (`addressees`, cases.selectors.note_addressees), about the dossier or one of its `steps`
    (none: the step is the page's own), and the text. The page's choices are shown as they are;
    the service refuses anything else, by field."""

    prefix = "note"

    def __init__(self, addressees: list[tuple[str, str]], steps: list[Any] | None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to"] = forms.CharField(
            label=_("Addressed to"), required=False, widget=forms.Select(choices=[("", "—"), *addressees])
        )
        if steps is not None:
            about = [("", gettext("The whole dossier")), *((str(st.pk), st.procedure.shown_name) for st in steps)]
            self.fields["step"] = forms.CharField(
                label=_("Concerning"), required=False, widget=forms.Select(choices=about)
            )
        self.fields["text"] = forms.CharField(
            label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000})
        )

    def sent(self) -> dict[str, Any]:
        """What was sent, as the service takes it (a step that is not a number: refused as no step)."""
        step = self.data.get(self.add_prefix("step"), "").strip()
        return {
            "to": self.data.get(self.add_prefix("to"), ""),
            "text": self.data.get(self.add_prefix("text"), ""),
            "step_pk": int(step) if step.isdigit() else (None if not step else -1),
        }
