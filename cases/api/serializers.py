"""The shapes of API v1 (docs/api-contract.md). Input serializers check types and required fields only;
the rules live in cases.validation and cases.services, shared with the clerk's pages."""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping
from functools import cached_property
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from agencies.choices import AgencyRole, UserRole
from cases import kinds
from cases.choices import AccessChannel, Channel, ReadKind, StepState
from cases.models import Bundle, Event, Note, Step
from cases.results import result_facts
from cases.selectors import READ_SUMMARY_ROWS, TrackedReads, bundle_reads_for_citizen, person_roles

SEX = [("male", _("male")), ("female", _("female"))]
DELIVERY = [("electronic", _("electronic")), ("desk", _("at the desk")), ("post", _("by post"))]


class PersonSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False)
    id_number = serializers.CharField(max_length=12, required=False, allow_blank=True)


class ApplicantSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(min_length=12, max_length=12)
    relationship = serializers.CharField(max_length=50)
    phone = serializers.RegexField(r"^\+?[0-9 .-]{8,15}$", max_length=20, required=False, allow_blank=True)
    # Where the notices go besides a text message to the phone (issue 13): optional.
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


# A serializer's fields, built once per process for each shape they take: DRF builds them again for
# every instance (a deep copy of the declared fields, each field made again from its arguments, the
# nested serializers' too), which was most of the cost of checking a dossier. Each instance gets its
# own copy of every field object (shallow: the settings a field is made with, its choices,
# validators and messages, are shared, and nothing changes them after it is built), whose `parent`
# is that instance, so that `root`, `context` and `partial` are the instance's and nothing of one
# request (or thread) is seen by another. A template's fields belong to no serializer.
_FIELD_TEMPLATES: dict[Hashable, dict[str, serializers.Field]] = {}


def _field_copy(field: serializers.Field, parent: Any) -> serializers.Field:
    copied = object.__new__(type(field))
    copied.__dict__.update(field.__dict__)
    copied.parent = parent
    if isinstance(built := field.__dict__.get("fields"), BindingDict):  # a nested serializer's
        copied.__dict__["fields"] = _fields_copy(built.fields, copied)  # type: ignore[arg-type]
    if isinstance(child := field.__dict__.get("child"), serializers.Field):  # a list's or a dict's
        copied.__dict__["child"] = _field_copy(child, copied)
    return copied


def _fields_copy(template: dict[str, serializers.Field], parent: serializers.BaseSerializer) -> BindingDict:
    fields = BindingDict(parent)
    fields.fields = {name: _field_copy(field, parent) for name, field in template.items()}
    return fields


def _built(field: serializers.Field) -> None:
    """Build the fields of a nested serializer now, and theirs, so that copies share them."""
    if isinstance(field, serializers.Serializer):
        for nested in field.fields.values():
            _built(nested)
    if isinstance(child := field.__dict__.get("child"), serializers.Field):
        _built(child)


# A serializer whose fields are built once per process for each `fields_shape()`. (A comment: the
# schema would publish a docstring as the description of every body without one of its own.)
class FieldsOnce(serializers.Serializer):
    def fields_shape(self) -> Hashable:
        """What the fields depend on besides the class (the fields of equal shapes are the same)."""
        return None

    @cached_property
    def fields(self) -> BindingDict:
        key = (type(self), self.fields_shape())
        template = _FIELD_TEMPLATES.get(key)
        if template is None:
            built = BindingDict(self)
            for name, field in self.get_fields().items():
                built[name] = field  # bound: its name, label and source
                _built(field)
                field.parent = None  # type: ignore[assignment]  # the template keeps nothing of this instance
            template = _FIELD_TEMPLATES[key] = built.fields
        return _fields_copy(template, self)


# A dossier as the filing API takes it: the fields every kind has, then each registered kind's
# sections and fields (cases.kinds), so a new kind's sections are accepted with it. (A comment,
# not a docstring: the schema would publish a docstring as the body's description.)
class BundleCreateSerializer(FieldsOnce):
    kind = serializers.ChoiceField([])
    procedures = serializers.ListField(child=serializers.SlugField(max_length=40), min_length=1, max_length=10)
    channel = serializers.ChoiceField(Channel.choices)
    commune = serializers.RegexField(r"^[0-9]{5}$")
    received_at = serializers.DateTimeField(required=False)
    # A dossier the desk captured offline (issue 31): when the citizen was at the desk (its time of
    # receipt, bounded: cases.offline) and the number the device printed on the provisional slip.
    captured_at = serializers.DateTimeField(required=False)
    local_number = serializers.RegexField(r"^[A-Z0-9-]{4,40}$", required=False)
    needs_verification = serializers.BooleanField(default=False)
    applicant = ApplicantSerializer()
    delivery = serializers.ChoiceField(DELIVERY, default="electronic")
    # The hospital notice the dossier is filed from (issue 13): its data fill the dossier, no scan
    # of the paper certificate is needed, and no other live dossier may cite it.
    health_notice = serializers.IntegerField(required=False, min_value=1)
    # A dossier from the national public-service portal (issue 15): its dossier and procedure
    # codes there; each change of state goes back to it.
    national_code = serializers.RegexField(r"^[A-Za-z0-9._/-]{1,50}$", required=False)
    national_procedure_code = serializers.RegexField(r"^[A-Za-z0-9._/-]{1,50}$", required=False)

    def _chosen(self) -> kinds.Kind | None:
        data = getattr(self, "initial_data", None)
        return kinds.find(str(data.get("kind"))) if isinstance(data, Mapping) else None

    def fields_shape(self) -> Hashable:
        """The dossier's kind, and the kinds registered (the choices of `kind`, or every kind's)."""
        return self._chosen(), tuple(kinds.registered())

    def get_fields(self) -> dict[str, serializers.Field]:
        """The common fields, then the fields of the dossier's kind: its top-level sections, its
        category and its own fields. Without data (the schema) or with a kind nobody registered,
        every kind's, the first to name a field giving it."""
        fields = super().get_fields()
        fields["kind"] = serializers.ChoiceField(kinds.choices())
        chosen = self._chosen()
        for kind in [chosen] if chosen else kinds.registered():
            for path, (_legend, section) in kind.sections.items():
                if "." not in path:
                    fields.setdefault(path, section(required=False))
            if kind.category_field:
                category = serializers.ChoiceField(kind.categories, required=False, allow_blank=True)
                fields.setdefault(kind.category_field, category)
            for name, field in kind.api_fields().items():
                fields.setdefault(name, field)
        return fields


class OfficeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class ResultFactSerializer(serializers.Serializer):
    """One recorded result field with its label in the request's language."""

    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    value = serializers.JSONField()


class StepSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure_id")
    office = OfficeRefSerializer()
    overdue = serializers.BooleanField()
    result_facts = serializers.SerializerMethodField(
        help_text="The result's fields in order, each labelled as the pages show it; [] before a result."
    )

    class Meta:
        model = Step
        fields = ["id", "procedure", "agency_role", "office", "state", "due_date", "overdue", "result", "result_facts"]

    @extend_schema_field(ResultFactSerializer(many=True))
    def get_result_facts(self, step: Step) -> list[dict[str, Any]]:
        return result_facts(step.result)


class CategoryField(serializers.ChoiceField):
    """A kind's category under the kind's name for it (Kind.category_field): the dossier's category
    when it is of that kind, "" otherwise (cases.kinds.category_fields)."""

    def __init__(self, kind: kinds.Kind) -> None:
        label = capfirst(kind.category_title)
        super().__init__(kind.categories, allow_blank=True, required=False, source="*", label=label)

    def to_representation(self, bundle: Any) -> str:  # source="*": the bundle itself
        return kinds.category_fields(bundle.kind, bundle.category)[str(self.field_name)]


class BundleSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code")
    procedures = serializers.SerializerMethodField()
    steps = StepSerializer(many=True)
    overdue = serializers.BooleanField()

    class Meta:
        model = Bundle
        fields = [
            "code", "kind", "state", "channel", "commune", "received_at", "clock_starts_on", "due_date",
            "overdue", "procedures", "needs_verification", "late_registration", "steps",
        ]  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        """Meta's fields with each kind's category after needs_verification, where it always stood."""
        fields: dict[str, serializers.Field] = {}
        for name, field in super().get_fields().items():
            fields[name] = field
            if name == "needs_verification":
                fields.update((k.category_field, CategoryField(k)) for k in kinds.registered() if k.category_field)
        return fields

    def get_procedures(self, bundle: Bundle) -> list[str]:
        return [step.procedure_id for step in bundle.steps.all()]


class BundleDetailSerializer(BundleSerializer):
    """One bundle with its personal data: reading it is recorded."""

    data = serializers.JSONField()  # type: ignore[assignment]  # a field, not Serializer.data

    class Meta(BundleSerializer.Meta):
        fields = [*BundleSerializer.Meta.fields, "data"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    # The person with the office they acted for, "Nguyễn Văn An (Công an phường Trường Vinh)".
    actor_name = serializers.SerializerMethodField()
    role = serializers.CharField(source="actor_role")
    office = serializers.CharField(source="office.name", default=None, allow_null=True)
    step = serializers.CharField(source="step.procedure_id", default=None, allow_null=True)

    class Meta:
        model = Event
        fields = ["at", "actor", "actor_name", "role", "office", "action", "step", "from_state", "to_state", "reason"]

    def get_actor_name(self, event: Event) -> str | None:
        return event.actor_name or None


class QueueStepSerializer(StepSerializer):
    """A step in an officer's queue, with what its procedure needs to be handled."""

    bundle = serializers.CharField(source="bundle.code")
    commune = serializers.CharField(source="bundle.commune.code")
    received_at = serializers.DateTimeField(source="bundle.received_at")
    missing_documents = serializers.JSONField()
    supplement_deadline = serializers.DateField(allow_null=True)
    claimant = serializers.CharField(source="claimant.username", default=None, allow_null=True)
    claimant_name = serializers.CharField(source="claimant.display_name", default=None, allow_null=True)
    data = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field, not Serializer.data
    earlier_results = serializers.SerializerMethodField()

    class Meta(StepSerializer.Meta):
        fields = [
            *StepSerializer.Meta.fields, "bundle", "commune", "received_at", "claimant", "claimant_name",
            "missing_documents", "supplement_deadline", "data", "earlier_results",
        ]  # fmt: skip

    def get_data(self, step: Step) -> dict[str, Any]:
        sections = step.procedure.data_sections
        return {key: value for key, value in step.bundle.data.items() if key in sections}

    def get_earlier_results(self, step: Step) -> dict[str, Any]:
        required = {procedure.code for procedure in step.procedure.requires.all()}
        return {s.procedure_id: s.result for s in step.bundle.steps.all() if s.procedure_id in required}


class StepResultSerializer(serializers.Serializer):
    result = serializers.DictField()


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    missing_documents = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AttachmentSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.CharField(max_length=60)


class TrackStepSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure_id")
    # While a step waits for documents: which ones (checklist names only) and the last day they
    # are accepted; [] and null otherwise. The officer's free-text reason is not public.
    missing_documents = serializers.ListField(child=serializers.CharField(), source="documents_to_bring")
    supplement_deadline = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["procedure", "agency_role", "state", "due_date", "missing_documents", "supplement_deadline"]

    def get_supplement_deadline(self, step: Step) -> datetime.date | None:
        return step.supplement_deadline if step.state == StepState.RETURNED else None


class TrackLookupSerializer(serializers.Serializer):
    """The body of POST track/<code>/: the digits, kept out of the URL."""

    id_last4 = serializers.CharField(
        allow_blank=True, max_length=20, help_text="The last 4 digits of the applicant's ID number."
    )


class TrackAccessSerializer(serializers.Serializer):
    """One read of the dossier's personal data: when, where, in which role, through which channel,
    and whether the dossier was opened or appeared in a list."""

    at = serializers.DateTimeField()
    office = serializers.CharField(help_text="The office, one-stop desk or provincial office; empty for others.")
    role = serializers.ChoiceField(choices=UserRole.choices)
    channel = serializers.ChoiceField(choices=AccessChannel.choices)
    kind = serializers.ChoiceField(
        choices=ReadKind.choices, help_text="`open`: the dossier was opened; `list`: it appeared in a list."
    )


class TrackReadsSummarySerializer(serializers.Serializer):
    """The reads of one day (local time) by one office in one role, of one kind, through one channel."""

    day = serializers.DateField()
    office = serializers.CharField(help_text="The office, one-stop desk or provincial office; empty for others.")
    role = serializers.ChoiceField(choices=UserRole.choices)
    kind = serializers.ChoiceField(choices=ReadKind.choices)
    channel = serializers.ChoiceField(choices=AccessChannel.choices)
    count = serializers.IntegerField()


class TrackSerializer(serializers.ModelSerializer):
    steps = TrackStepSerializer(many=True)
    accesses = serializers.SerializerMethodField(
        help_text="Who read the dossier's personal data, newest first (at most 50); no names."
    )
    accesses_summary = serializers.SerializerMethodField(
        help_text="Every read of the dossier's personal data, counted per day, office, role, kind and channel; "
        f"newest first (at most {READ_SUMMARY_ROWS} rows)."
    )
    accesses_total = serializers.SerializerMethodField(help_text="How many reads in all.")

    class Meta:
        model = Bundle
        fields = [
            "code",
            "kind",
            "state",
            "received_at",
            "due_date",
            "steps",
            "accesses",
            "accesses_summary",
            "accesses_total",
        ]

    def _reads(self, bundle: Bundle) -> TrackedReads:
        """The three queries once for the three fields."""
        tracked: dict[int, TrackedReads] = self.__dict__.setdefault("_tracked", {})
        if bundle.pk not in tracked:
            tracked[bundle.pk] = bundle_reads_for_citizen(bundle=bundle)
        return tracked[bundle.pk]

    @extend_schema_field(TrackAccessSerializer(many=True))
    def get_accesses(self, bundle: Bundle) -> list[dict[str, Any]]:
        return TrackAccessSerializer(self._reads(bundle).latest, many=True).data  # type: ignore[return-value]

    @extend_schema_field(TrackReadsSummarySerializer(many=True))
    def get_accesses_summary(self, bundle: Bundle) -> list[dict[str, Any]]:
        return TrackReadsSummarySerializer(self._reads(bundle).summary, many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.IntegerField())
    def get_accesses_total(self, bundle: Bundle) -> int:
        return self._reads(bundle).total


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    level = serializers.CharField()
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True)  # type: ignore[assignment]


class OfficeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="office.pk")
    name = serializers.CharField(source="office.name")
    role = serializers.ChoiceField(AgencyRole.choices)
    unit = serializers.CharField(source="unit.code")


class BundleNoteSerializer(serializers.ModelSerializer):
    """A note between the offices working a dossier (never shown to its citizen or partners)."""

    author = serializers.CharField(source="author.username")
    # The author with the office (or desk) they wrote for: "Trần Văn Minh (Công an phường Trường Vinh)".
    author_name = serializers.CharField()
    to = serializers.SerializerMethodField()
    to_name = serializers.CharField()
    step = serializers.IntegerField(source="step_id", allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "at", "author", "author_name", "to", "to_name", "step", "text"]

    def get_to(self, note: Note) -> str:
        """ "desk" (the dossier's one-stop desk) or the addressed office's id, as a string."""
        return "desk" if note.to_office_id is None else str(note.to_office_id)


class BundleNoteCreateSerializer(serializers.Serializer):
    """A new note: its text, "desk" or the id of another office of the dossier, and optionally
    the id of the dossier's step it is about. The service checks each against the dossier."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    to = serializers.CharField(allow_blank=True)
    step = serializers.IntegerField(required=False, allow_null=True)


class PersonDossierSerializer(serializers.ModelSerializer):
    """A dossier about the person asked for, with who the person is in it (the dossier's paths:
    "applicant", "mother", "father", "residence.household_head", "deceased")."""

    commune = serializers.CharField(source="commune.code")
    overdue = serializers.BooleanField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Bundle
        fields = ["code", "kind", "state", "commune", "received_at", "due_date", "overdue", "roles"]

    def get_roles(self, bundle: Bundle) -> list[str]:
        return [path for path, _label in person_roles(bundle, self.context["id_number"])]
