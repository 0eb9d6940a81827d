"""Writes of the reporting app: units report obstacles, provincial staff answer and close them,
each step recorded in the obstacle's append-only trail; a changed target makes the cached
reports old."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, User
from portal.celery import send_on_commit
from portal.errors import Conflict, Forbidden, Invalid, NotFound
from reporting.models import Obstacle, ObstacleAction, ObstacleEvent
from reporting.selectors import obstacle_list_for_user


def reporting_unit(user: User) -> AdministrativeUnit:
    """The unit a clerk or officer reports for: the commune of the desk, the seat of the office."""
    access.require(user, access.OBSTACLE_FILE, _("Only a one-stop desk or an office reports obstacles."))
    unit = user.commune if user.role == UserRole.CLERK else user.office.unit if user.office else None
    if unit is None:
        raise Forbidden(_("Only a one-stop desk or an office reports obstacles."))
    return unit


def obstacle_file(*, user: User, title: str, description: str) -> Obstacle:
    problems = {}
    if not title.strip():
        problems["title"] = [_("Give the obstacle a short title.")]
    if not description.strip():
        problems["description"] = [_("Describe the obstacle.")]
    if problems:
        raise Invalid(problems)
    with transaction.atomic():
        obstacle = Obstacle.objects.create(
            unit=reporting_unit(user),
            title=title.strip(),
            description=description.strip(),
            reported_by=user,
            reported_at=timezone.now(),
        )
        ObstacleEvent.objects.create(
            obstacle=obstacle,
            at=obstacle.reported_at,
            actor=user,
            action=ObstacleAction.FILED,
            text=obstacle.description,
        )
    return obstacle


def obstacle_answer(*, user: User, pk: int, answer: str, close: bool) -> Obstacle:
    """Provincial staff answer an obstacle of their province, and may close it."""
    access.require(user, access.OBSTACLE_ANSWER, _("Only provincial staff answer obstacles."))
    if not answer.strip():
        raise Invalid({"answer": [_("Write the answer.")]})
    with transaction.atomic():
        obstacle = obstacle_list_for_user(user=user).select_for_update(of=("self",)).filter(pk=pk).first()
        if obstacle is None:
            raise NotFound(_("No such obstacle."))
        if obstacle.closed_at is not None:
            raise Conflict(_("This obstacle is already closed."))
        obstacle.answer, obstacle.answered_by = answer.strip(), user
        obstacle.closed_at = timezone.now() if close else None
        obstacle.save(update_fields=["answer", "answered_by", "closed_at"])
        action = ObstacleAction.CLOSED if close else ObstacleAction.ANSWERED
        ObstacleEvent.objects.create(obstacle=obstacle, actor=user, action=action, text=obstacle.answer)
    return obstacle


def targets_changed() -> None:
    """After a target is added, changed or removed: refresh today's summaries once the change is
    committed, which moves the version the cached reports are kept under, so that no report shows
    the old target (beat would do it within 30 s; without a broker the task runs in-process)."""
    send_on_commit("reporting.tasks.summaries_update_task")
