"""Reads of bundles and steps, always scoped to the person asking: what is outside their scope
does not exist for them (404, never 403, so nothing leaks)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Max, Model, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import UserRole
from agencies.models import User, workplace
from cases import kinds, ladder, rules
from cases.choices import AccessChannel, Action, BundleState, ReadKind, StepState
from cases.identity import TWELVE_DIGITS
from cases.models import (
    Attachment,
    Bundle,
    BundleQuerySet,
    Escalation,
    Event,
    Extract,
    IdempotencyRecord,
    Note,
    Notification,
    Step,
    StepQuerySet,
)
from cases.reads import personal_data_access_record
from portal.errors import Invalid, NotFound
from portal.paging import Page, keyset_page

M = TypeVar("M", bound=Model)

# What naming the person behind an event needs (User.display_name): their office, desk or province.
ACTOR = ("actor__office", "actor__commune", "actor__province")


def bundle_list_for_user(*, user: User) -> BundleQuerySet:
    """Clerks see their commune's bundles, officers those with a step at their office, provincial
    staff their province's, integration clients what they filed, administrators everything."""
    return Bundle.objects.restrict(user, access.VIEW)


def bundle_get_for_user(*, user: User, code: str, channel: str | None = None) -> Bundle:
    """A dossier `user` may view (404 outside); with `channel`, the caller shows its personal
    data there, and the read is recorded."""
    bundle = bundle_list_for_user(user=user).filter(code=code).select_related("commune").first()
    if bundle is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code})
    if channel is not None:
        personal_data_access_record(user=user, bundles=[bundle], channel=channel)
    return bundle


def step_list_for_user(*, user: User) -> StepQuerySet:
    """An officer's queue: the steps at their office. Nobody else has a queue."""
    return Step.objects.restrict(user, access.ACT)


# What finishes an officer's work on a step: the history page lists these events.
FINISHING = (Action.COMPLETED, Action.REFUSED, Action.RETURNED)


def step_history_for_user(*, user: User, mine: bool) -> QuerySet[Event]:
    """What an officer's office finished on its steps (completed, refused, returned for documents),
    as audit events: when, by whom, with what outcome; only the officer's own when `mine`. Nobody
    but an officer has a history; the supplement timeout's refusals (no person) are not in it."""
    if not access.may(user, access.ACT):
        return Event.objects.none()
    events = Event.objects.filter(office=user.office_id, step__office=user.office_id, action__in=FINISHING)
    return events.filter(actor=user) if mine else events


def queue_row_for_user(*, user: User, pk: int) -> Step:
    """One row of the officer's queue, as a claim or release redraws it: it names the person the
    dossier is about, so a listed read, recorded."""
    step = step_list_for_user(user=user).select_related("bundle", "procedure", "claimant__office").get(pk=pk)
    personal_data_access_record(user=user, bundles=[step.bundle], channel=AccessChannel.WEB, kind=ReadKind.LISTED)
    return step


def step_get_for_user(*, user: User, pk: int) -> Step:
    step = step_list_for_user(user=user).filter(pk=pk).first()
    if step is None:
        raise NotFound(_("No step %(pk)s in your queue.") % {"pk": pk})
    return step


# The desk's counts in one statement, written out once: Django compiling five filtered counts and
# a subquery cost the desk page more than PostgreSQL answering them. Its WHERE is DESK_OPEN or
# DESK_RESULTS (cases.models), the predicates of the two partial indexes it reads
# (tests/cases/test_desk_counts.py holds it to them and to a recount of every dossier).
_COUNTS = """
SELECT (SELECT received FROM cases_communetally WHERE commune_id = %(commune)s),
       count(*) FILTER (WHERE state = 'in_progress'),
       count(*) FILTER (WHERE state = 'in_progress' AND due_date < %(today)s),
       count(*) FILTER (WHERE state = 'in_progress' AND EXISTS (
           SELECT 1 FROM cases_step step WHERE step.bundle_id = bundle.id AND step.state = 'returned')),
       count(*) FILTER (WHERE state = 'in_progress' AND due_date BETWEEN %(today)s AND %(next)s),
       count(*) FILTER (WHERE state <> 'in_progress')
FROM cases_bundle bundle
WHERE commune_id = %(commune)s
  AND (state = 'in_progress' OR (state IN ('completed', 'partly_completed') AND handed_over_at IS NULL))
"""
COUNTS = ("total", "in_progress", "overdue", "waiting", "due_soon", "to_hand_over")


def bundle_counts(*, user: User, today: datetime.date) -> dict[str, int]:
    """The figures at the top of the desk's list, for the clerk's commune: what is still at the desk
    (in progress, overdue, due today or the next working day, waiting for documents, results to hand
    over) and how many it has received in all (its CommuneTally). None recounts its history."""
    if not (access.may(user, access.DESK_PAGES) and user.commune_id):
        return dict.fromkeys(COUNTS, 0)
    known: dict[str, int | datetime.date] = {
        "commune": user.commune_id,
        "today": today,
        "next": rules.calendar().next_working_day(today),
    }
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS, known)
        row = cursor.fetchone()
    return {name: value or 0 for name, value in zip(COUNTS, row, strict=True)}


@dataclass
class BundlePage:
    bundle: Bundle
    steps: list[Step]
    events: list[Event]
    attachments: list[Attachment]

    @property
    def returned(self) -> bool:
        return any(step.state == StepState.RETURNED for step in self.steps)

    @property
    def refused(self) -> bool:
        return any(step.state == StepState.REFUSED for step in self.steps)


def bundle_page_for_user(*, user: User, code: str, channel: str = AccessChannel.WEB) -> BundlePage:
    """A dossier with its steps (in order), audit trail (oldest first) and documents: a read of
    its personal data, recorded."""
    bundle = bundle_get_for_user(user=user, code=code)
    personal_data_access_record(user=user, bundles=[bundle], channel=channel)
    steps = bundle.steps.select_related("procedure", "office", "claimant__office").order_by("procedure__position", "pk")
    events = bundle.events.select_related(*ACTOR, "office", "step__procedure").order_by("at", "pk")
    return BundlePage(bundle, list(steps), list(events), list(bundle.attachments.order_by("uploaded_at", "pk")))


@dataclass
class StepPage:
    step: Step
    earlier: list[Step]  # the bundle's finished steps, whose results this one may need
    attachments: list[Attachment]
    sections: list[tuple[str, dict[str, object]]]  # the dossier sections this procedure needs


def step_page_for_user(*, user: User, pk: int, channel: str | None = AccessChannel.WEB) -> StepPage:
    """A step of the officer's office with only the dossier data its procedure needs: a read of
    its personal data, recorded (`channel` None: the caller shows none of it, or records what it
    gives out itself, as a signed paper does)."""
    step = (
        step_list_for_user(user=user)
        .select_related("bundle__commune", "procedure", "office", "claimant__office")
        .filter(pk=pk)
        .first()
    )
    if step is None:
        raise NotFound(_("No step %(pk)s in your queue.") % {"pk": pk})
    data = step.bundle.data
    sections = [(name, data[name]) for name in step.procedure.data_sections if isinstance(data.get(name), dict)]
    if channel is not None:
        personal_data_access_record(user=user, bundles=[step.bundle], channel=channel)
    earlier = list(
        step.bundle.steps.filter(state=StepState.DONE).exclude(pk=step.pk).select_related("procedure", "office")
    )
    return StepPage(step, earlier, list(step.bundle.attachments.order_by("uploaded_at", "pk")), sections)


def bundle_track(*, code: str, id_last4: str) -> Bundle | None:
    """The public view of a dossier: found only with its code and the last 4 digits of the
    applicant's ID number; the caller shows states and dates, never personal data."""
    if len(id_last4) != 4 or not code:
        return None
    steps = Step.objects.select_related("procedure").order_by("procedure__position", "pk")
    return (
        Bundle.objects.filter(code=code.strip().upper(), applicant_id_last4=id_last4)
        .prefetch_related(Prefetch("steps", queryset=steps))
        .first()
    )


def attachment_get_for_user(*, user: User, pk: int) -> Attachment:
    """A scan of a dossier `user` may view: a read of the dossier's personal data, recorded."""
    attachment = (
        Attachment.objects.filter(pk=pk, bundle__in=bundle_list_for_user(user=user)).select_related("bundle").first()
    )
    if attachment is None:
        raise NotFound(_("No such document."))
    personal_data_access_record(user=user, bundles=[attachment.bundle], channel=AccessChannel.WEB)
    return attachment


def listed_page(
    *,
    user: User,
    rows: QuerySet[M],
    order: str,
    cursor: str,
    size: int,
    bundle_ids: Callable[[list[M]], Iterable[int]] | None = None,
    read: QuerySet[M] | None = None,
) -> Page[M]:
    """One page of a list that shows personal data (the desk's dossiers, a queue, a history, a
    citizen's dossiers), ordered by `order` after `cursor` (portal.paging.keyset_page; with `read`,
    its keys from `rows` and its rows from `read`): the dossiers of its rows (`bundle_ids`)
    recorded as listed reads."""
    page = keyset_page(rows, order=order, cursor=cursor, size=size, read=read)
    personal_data_access_record(
        user=user,
        bundle_ids=bundle_ids(page.rows) if bundle_ids else [row.pk for row in page.rows],  # rows of dossiers
        channel=AccessChannel.WEB,
        kind=ReadKind.LISTED,
    )
    return page


def extract_read(*, user: User, pk: int) -> Extract | None:
    """The checked electronic extract of the dossier of the officer's step `pk` (404 outside the
    queue), if one was attached: a read of the dossier's personal data, recorded."""
    step = step_page_for_user(user=user, pk=pk, channel=None).step
    extract = extract_of(step.bundle)
    if extract is not None:
        personal_data_access_record(user=user, bundles=[step.bundle], channel=AccessChannel.PDF)
    return extract


@dataclass(frozen=True)
class TrackedAccess:
    """One read of a dossier's personal data as its citizen sees it: when, from which office or
    desk, in which role, through which channel and how (in a list or opened); never the person's
    name or login."""

    at: datetime.datetime
    office: str
    role: str
    channel: str
    kind: str = ReadKind.OPENED

    @property
    def role_label(self) -> str:
        return str(UserRole(self.role).label) if self.role in UserRole.values else self.role

    @property
    def channel_label(self) -> str:
        return str(AccessChannel(self.channel).label) if self.channel in AccessChannel.values else self.channel

    @property
    def kind_label(self) -> str:
        return str(ReadKind(self.kind).label) if self.kind in ReadKind.values else self.kind


@dataclass(frozen=True)
class ReadsSummaryRow(TrackedAccess):
    """The reads of one day by one office (or desk) in one role, of one kind, through one channel:
    `count` of them, the latest at `at`."""

    count: int = 0

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.at).date()


@dataclass(frozen=True)
class TrackedReads:
    """What the citizen sees of who read their dossier: the summary (the latest READ_SUMMARY_ROWS
    groups), how many reads in all, and the latest TRACKED_ACCESSES reads one by one."""

    summary: list[ReadsSummaryRow]
    total: int
    latest: list[TrackedAccess]

    @property
    def summary_complete(self) -> bool:
        return sum(row.count for row in self.summary) == self.total


TRACKED_ACCESSES = 50
READ_SUMMARY_ROWS = 30


def _unit(group: Mapping[str, Any], level: str) -> tuple[str, str] | None:
    """A grouped row's user's commune or province as (name, type), for agencies.models.workplace."""
    name = group[f"user__{level}__name"]
    return (name, group[f"user__{level}__type"]) if name else None


def bundle_accesses_for_citizen(*, bundle: Bundle, limit: int = TRACKED_ACCESSES) -> list[TrackedAccess]:
    """Who read the dossier's personal data, newest first, at most `limit` rows (one query)."""
    from cases.models import PersonalDataAccess

    rows = (
        PersonalDataAccess.objects.filter(bundle=bundle)
        .select_related("user__office", "user__commune", "user__province")
        .order_by("-at", "-pk")[:limit]
    )
    return [
        TrackedAccess(at=row.at, office=row.user.workplace, role=row.user.role, channel=row.channel, kind=row.kind)
        for row in rows
    ]


def bundle_reads_summary_for_citizen(*, bundle: Bundle, limit: int = READ_SUMMARY_ROWS) -> list[ReadsSummaryRow]:
    """The reads of the dossier grouped in the database by day (local time), office or desk, role,
    kind and channel, each group with its count; the latest `limit` groups, newest first (one query,
    whatever the number of reads)."""
    from cases.models import PersonalDataAccess

    groups = (
        PersonalDataAccess.objects.filter(bundle=bundle)
        .annotate(day=TruncDate("at"))
        .values(
            "day",
            "kind",
            "channel",
            "user__role",
            "user__office__name",
            "user__commune__name",
            "user__commune__type",
            "user__province__name",
            "user__province__type",
        )
        .annotate(count=Count("pk"), last=Max("at"))
        .order_by("-day", "-last", "-kind", "channel", "user__role")[:limit]
    )
    return [
        ReadsSummaryRow(
            at=group["last"],
            office=workplace(group["user__office__name"], _unit(group, "commune"), _unit(group, "province")),
            role=group["user__role"],
            channel=group["channel"],
            kind=group["kind"],
            count=group["count"],
        )
        for group in groups
    ]


def bundle_reads_for_citizen(*, bundle: Bundle) -> TrackedReads:
    """Who read the dossier, as its citizen sees it (three queries, whatever the number of reads)."""
    return TrackedReads(
        summary=bundle_reads_summary_for_citizen(bundle=bundle),
        total=bundle.accesses.count(),
        latest=bundle_accesses_for_citizen(bundle=bundle),
    )


def extract_of(bundle: Bundle) -> Extract | None:
    """The checked electronic extract of the dossier's civil-status step, if one was attached."""
    return Extract.objects.filter(step__bundle=bundle).select_related("step__bundle").first()


# --- Notes between the offices of a dossier --------------------------------------------------------

# What naming a note's author and addressee needs (Note.author_name, Note.to_name).
NOTE_PEOPLE = ("author__commune", "author_office", "to_office", "bundle__commune", "step__procedure")
DESK = "desk"  # a note's addressee when it is the dossier's one-stop desk (else an office's id)


def note_list_for_user(*, user: User, bundle: Bundle) -> list[Note]:
    """The notes of a dossier whose page the caller opened (that page records the read), oldest
    first; none for anyone but the desk and the offices of the dossier (one query)."""
    notes = Note.objects.restrict(user, access.NOTES).filter(bundle=bundle)
    return list(notes.select_related(*NOTE_PEOPLE).order_by("at", "pk"))


def bundle_notes_for_user(*, user: User, code: str, channel: str = AccessChannel.API) -> QuerySet[Note]:
    """The notes of a dossier the caller's desk or office works (404 for anyone else, its citizen
    and partner systems included), oldest first: opening them is a read of the dossier, recorded."""
    bundle = Bundle.objects.restrict(user, access.NOTES).filter(code=code).first()
    if bundle is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code})
    personal_data_access_record(user=user, bundles=[bundle], channel=channel)
    return Note.objects.restrict(user, access.NOTES).filter(bundle=bundle).select_related(*NOTE_PEOPLE)


def note_addressees(*, user: User, bundle: Bundle) -> list[tuple[str, str]]:
    """Whom the caller may address a note on this dossier to, as (value, name): the one-stop desk
    ("desk") and each office of its steps (its id), but not the caller's own (one query)."""
    offices = dict(bundle.steps.order_by("procedure__position", "pk").values_list("office_id", "office__name"))
    choices = [] if user.role == UserRole.CLERK else [(DESK, str(_("One-stop desk")))]
    return choices + [(str(pk), name) for pk, name in offices.items() if pk != user.office_id]


# --- One person's dossiers --------------------------------------------------------------------------


def _digits(text: str) -> str:
    """An ID number as typed, without its spaces and dots."""
    return "".join(text.replace(".", " ").split())


def person_id_number(text: str, *, typed: bool = True) -> str:
    """A personal ID number typed with or without spaces or dots (`typed`; else its 12 digits
    alone, as an address carries it), else 400 naming the field."""
    number = _digits(text) if typed else text
    if not TWELVE_DIGITS.fullmatch(number):
        raise Invalid({"id_number": [_("Personal ID number: enter the 12 digits of the number, nothing else.")]})
    return number


def person_bundle_list_for_user(*, user: User, id_number: str, typed: bool = True) -> BundleQuerySet:
    """The dossiers in the caller's scope (agencies.access.PERSON) about the person with this ID
    number, in any role (applicant, mother, father, household head, deceased: each kind's
    `id_number_paths`), of every kind; the caller records the listed reads of what it shows
    (`listed_page`). 400 when the number is not 12 digits."""
    number = person_id_number(id_number, typed=typed)
    return Bundle.objects.restrict(user, access.PERSON).filter(id_numbers__contains=f" {number} ")


def person_roles(bundle: Bundle, id_number: str) -> list[tuple[str, str]]:
    """Who the person with this ID number is in the dossier, from its data, as (path, label):
    ("applicant", "Applicant"), ("mother", "Mother"), ("residence.household_head", …)."""
    kind = kinds.get(bundle.kind)
    roles = []
    for path in ("applicant", *kind.id_number_paths):
        person: Any = bundle.data
        for part in path.split("."):
            person = person.get(part) if isinstance(person, dict) else None
        if isinstance(person, dict) and "".join(str(person.get("id_number") or "").split()) == id_number:
            roles.append((path, str(_("Applicant")) if path == "applicant" else str(kind.sections[path][0])))
    return roles


def person_in_progress_for_user(*, user: User, id_numbers: Iterable[str]) -> list[Bundle]:
    """The dossiers in progress in the caller's scope about any of these people (the ID numbers as
    typed: the 12-digit ones among them; others are ignored), newest first, at most 5: the desk's
    intake warns of them before filing. Each is shown by its code and its person: a listed read,
    recorded."""
    numbers = sorted({n for n in map(_digits, id_numbers) if TWELVE_DIGITS.fullmatch(n)})
    if not numbers:
        return []
    about = Q()
    for number in numbers:
        about |= Q(id_numbers__contains=f" {number} ")
    rows = list(
        Bundle.objects.restrict(user, access.PERSON)
        .filter(about, state=BundleState.IN_PROGRESS)
        .only("pk", "code", "kind", "data", "received_at", "due_date", "state")
        .order_by("-received_at", "-pk")[:5]
    )
    personal_data_access_record(user=user, bundles=rows, channel=AccessChannel.WEB, kind=ReadKind.LISTED)
    return rows


def ladder_for_user(*, user: User, now: datetime.datetime) -> list[Any]:
    """The head of an office's escalation ladder: the office's steps on it now (cases/ladder.py),
    highest rung first, then the longest there, each with its holder and the rungs already told.
    Nobody else has one. A fixed number of queries, however many steps; no personal data (the
    dossier's code and the procedure name the step)."""
    if not access.may(user, access.LADDER):
        return []
    steps = ladder.candidate_steps(Step.objects.restrict(user, access.LADDER), now).select_related(
        "bundle", "procedure", "claimant"
    )
    steps = steps.prefetch_related(Prefetch("escalations", queryset=Escalation.objects.order_by("rung")))
    found = [position for step in steps if (position := ladder.step_position(step, now)) is not None]
    return sorted(found, key=lambda position: (-position.rung, position.since, position.step.pk))


def notice_list_for_user(*, user: User) -> QuerySet[Notification]:
    """The portal notices addressed to the user's office, desk or province (a step in the queue,
    a note, a rung of the escalation ladder), for their notices page. They name dossiers by
    code and procedure, never a person, so reading them is no read of personal data."""
    return Notification.objects.restrict(user, access.NOTICES).select_related("bundle", "step__procedure")


def bundle_filed_under_key(*, user: User, key: str) -> Bundle | None:
    """The bundle `user` filed with the Idempotency-Key `key`, if any (a device's outbox asking
    again for a dossier it captured offline, whose first answer it never heard)."""
    record = IdempotencyRecord.objects.filter(client=user, key=key).select_related("bundle").first()
    return record.bundle if record else None
