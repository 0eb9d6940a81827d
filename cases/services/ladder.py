"""The escalation ladder's writes: the beat's climb (each rung a step or dossier reaches is told
once, to the rung's people, through the outbox) and a head of office reassigning a step. Where
something sits is cases/ladder.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import UnitLevel, UserRole
from agencies.models import AdministrativeUnit, User, workplace
from cases import ladder
from cases.choices import Action, LadderReason, Rung
from cases.models import Bundle, Escalation, Notification, Outbox, Step
from cases.selectors import step_get_for_user
from cases.services.audit import event, lock_bundle, move, publish, publish_many
from cases.services.outbox import TOPIC_HANDLERS
from portal.errors import Forbidden, Invalid

TOPIC = "ladder.reached"


def ladder_climb(*, now: datetime.datetime) -> int:
    """Write each rung that a step or an online dossier has reached and that is not written yet,
    each with its outbox message, in one transaction per dossier under its lock: a rung is told
    once, whatever the restarts or the workers running at once (a unique row per step and rung).
    A rung reached and left before the beat ran (the step moved) is not told. Returns how many
    rungs were written."""
    written = 0
    steps = ladder.candidate_steps(Step.objects.select_related("bundle"), now)
    for step in steps.annotate(told=_highest_told(Escalation.objects.filter(step=OuterRef("pk")))):
        position = ladder.step_position(step, now)
        if position is not None and position.rung > step.told:
            written += _climb(step.bundle_id, step.pk, now)
    bundles = ladder.unreceived_bundles(Bundle.objects.all())
    for bundle in bundles.annotate(told=_highest_told(Escalation.objects.filter(bundle=OuterRef("pk"), step=None))):
        position = ladder.bundle_position(bundle, now)
        if position is not None and position.rung > bundle.told:
            written += _climb(bundle.pk, None, now)
    return written


def _highest_told(escalations: QuerySet[Escalation]) -> Coalesce:
    """The highest rung already told of each row, in the list's own query (0: none)."""
    return Coalesce(Subquery(escalations.order_by("-rung").values("rung")[:1]), 0)


def _climb(bundle_pk: int, step_pk: int | None, now: datetime.datetime) -> int:
    """Under the dossier's lock, where the step (or dossier) sits now, read again, and each rung up
    to it not yet written: its row, its audit event and its outbox message together."""
    try:
        with transaction.atomic():
            bundle = lock_bundle(bundle_pk)
            if step_pk is not None:
                step = ladder.with_moved_at(Step.objects.select_related("bundle", "office").filter(pk=step_pk)).first()
                position = ladder.step_position(step, now) if step is not None else None
            else:
                step = None
                found = ladder.unreceived_bundles(Bundle.objects.filter(pk=bundle_pk)).first()
                position = ladder.bundle_position(found, now) if found is not None else None
            if position is None:
                return 0
            rows = Escalation.objects.filter(step=step) if step else Escalation.objects.filter(bundle=bundle, step=None)
            done = set(rows.values_list("rung", flat=True))
            written = 0
            for rung in range(Rung.HOLDER, position.rung + 1):
                if rung in done:
                    continue
                escalation = Escalation.objects.create(
                    bundle=bundle,
                    step=step,
                    office=step.office if step else None,
                    rung=rung,
                    reason=position.reason,
                    since=position.since,
                    at=now,
                )
                event(bundle, Action.ESCALATED, actor=None, step=step, data={"rung": rung, "reason": position.reason})
                publish(TOPIC, escalation=escalation.pk)
                written += 1
            return written
    except IntegrityError:  # another worker wrote it first, between our read and our write
        return 0


def step_reassign(*, user: User, step_pk: int, officer_pk: Any) -> Step:
    """The head of an office gives a step of the office (ready or being handled) to a named officer
    of the same office; the step's claimant changes, its climb starts again, the trail says who
    gave it to whom."""
    if not access.may(user, access.LADDER):
        raise Forbidden(_("Only the head of the office can reassign its steps."))
    try:
        officer_pk = int(officer_pk)
    except (TypeError, ValueError):
        officer_pk = None
    with transaction.atomic():
        found = step_get_for_user(user=user, pk=step_pk)
        bundle = lock_bundle(found.bundle_id)
        step = Step.objects.select_related("bundle", "office", "claimant").get(pk=found.pk)
        officer = _office_officers(step.office_id).filter(pk=officer_pk).first()
        if officer is None:
            raise Invalid({"officer": [_("Officer: choose an officer of %(office)s.") % {"office": step.office}]})
        if officer.pk == step.claimant_id:
            raise Invalid(
                {"officer": [_("Officer: %(name)s already handles this step.") % {"name": officer.full_name}]}
            )
        before = step.claimant.full_name if step.claimant else ""
        step.bundle = bundle
        move(
            step,
            "reassign",
            action=Action.REASSIGNED,
            actor=user,
            data={"from": before, "to": officer.full_name},
            to=officer,
        )
    return step


def _office_officers(office_pk: int) -> Any:
    return User.objects.filter(role=UserRole.OFFICER, office_id=office_pk, is_active=True)


def office_officers(*, user: User) -> list[User]:
    """The officers a head may give a step to: their office's, by name."""
    if not access.may(user, access.LADDER) or user.office_id is None:
        return []
    return list(_office_officers(user.office_id).order_by("last_name", "first_name", "pk"))


# --- Telling a rung's people ---------------------------------------------------------------------


def recipients(escalation: Escalation) -> tuple[str, list[User]]:
    """Who a rung tells: (the name the portal notice is addressed to, the people with an e-mail).
    Rung 1: the officer holding the step, else its office (a dossier: its commune's desk);
    rung 2: the office's (or desk's) head; rung 3: the provincial staff of the dossier's province."""
    step, commune = escalation.step, escalation.bundle.commune
    if escalation.rung == Rung.PROVINCE:
        provinces = [commune.parent_id, commune.parent.parent_id if commune.parent else None]
        staff = User.objects.filter(role=UserRole.PROVINCIAL, province_id__in=[p for p in provinces if p])
        province = AdministrativeUnit.objects.filter(
            pk__in=[p for p in provinces if p], level=UnitLevel.PROVINCE
        ).first()
        return workplace(None, None, (province.name, province.type) if province else None), list(staff.order_by("pk"))
    if step is not None:
        office = Q(role=UserRole.OFFICER, office_id=step.office_id)
        where = step.office.name
    else:
        office = Q(role=UserRole.CLERK, commune_id=commune.pk)
        where = workplace(None, (commune.name, commune.type), None)
    if escalation.rung == Rung.HEAD:
        heads = list(User.objects.filter(office, heads_workplace=True, is_active=True).order_by("pk"))
        names = ", ".join(head.full_name for head in heads)
        return (_("Head of %(where)s") % {"where": where}) + (f" ({names})" if names else ""), heads
    if step is not None and step.claimant is not None:
        return step.claimant.display_name, [step.claimant]
    return where, list(User.objects.filter(office, is_active=True).order_by("pk"))


def _workplace(escalation: Escalation) -> dict[str, Any]:
    """Whose notices page shows a rung's notice: the province's office (rung 3), else the step's
    office, else (a dossier nobody at the desk took up) the commune's one-stop desk."""
    commune = escalation.bundle.commune
    if escalation.rung == Rung.PROVINCE:
        province = commune.parent if commune.parent and commune.parent.level == UnitLevel.PROVINCE else None
        province = province or (commune.parent.parent if commune.parent else None)
        return {"to_unit": province}
    if escalation.step is not None:
        return {"to_office": escalation.step.office}
    return {"to_unit": commune}


def notice_text(escalation: Escalation) -> str:
    step, bundle = escalation.step, escalation.bundle
    what = (
        _("Dossier %(code)s: %(procedure)s") % {"code": bundle.code, "procedure": step.procedure.name}
        if step is not None
        else _("Dossier %(code)s, filed online") % {"code": bundle.code}
    )
    reason = str(LadderReason(escalation.reason).label).lower()
    since = timezone.localtime(escalation.since).strftime("%H:%M %d/%m/%Y")
    text = _("%(what)s needs attention (%(reason)s) since %(since)s. Reached: %(rung)s.") % {
        "what": what,
        "reason": reason,
        "since": since,
        "rung": str(Rung(escalation.rung).label).lower(),
    }
    if step is not None and step.due_date:
        text += " " + _("Due %(due)s.") % {"due": step.due_date.strftime("%d/%m/%Y")}
    return text


def _deliver(message: Outbox) -> None:
    """The rung's portal notice, and an e-mail to each of its people who has an address (and a
    text to the office's phone where LADDER_SMS is on), each an outbox row of its own."""
    escalation = Escalation.objects.select_related(
        "bundle__commune__parent", "step__procedure", "step__office", "step__claimant__office"
    ).get(pk=message.payload["escalation"])
    with translation.override(settings.LANGUAGE_CODE):
        to, people = recipients(escalation)
        text = notice_text(escalation)
        Notification.objects.create(
            bundle=escalation.bundle,
            step=escalation.step,
            outbox=message,
            recipient=to,
            message=text,
            **_workplace(escalation),
        )
        base = {"bundle": escalation.bundle_id, "step": escalation.step_id, "topic": TOPIC}
        subject = _("Dossier %(code)s: needs attention") % {"code": escalation.bundle.code}
        rows: list[tuple[str, dict[str, Any]]] = [
            ("notice.email", {**base, "to": person.email, "subject": subject, "text": text})
            for person in people
            if person.email
        ]
        phone = escalation.step.office.phone if escalation.step is not None else escalation.bundle.commune.desk_phone
        if settings.LADDER_SMS and phone and escalation.rung != Rung.PROVINCE:
            rows.append(("notice.sms", {**base, "to": phone, "text": text}))
    if rows:
        publish_many(rows)


TOPIC_HANDLERS[TOPIC] = _deliver
