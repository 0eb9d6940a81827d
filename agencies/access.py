"""Who may do what: the one table where roles meet actions (in the spirit of NetBox's
RestrictedQuerySet). Every selector, page, API view and service asks here:

- `may(user, action)`: whether the user's role may take the action at all;
- `require(user, action)`: the same, as a 403 naming who may;
- `page(action)`: a page open to the roles that may take the action;
- `Model.objects.restrict(user, action)`: the rows the user may take the action on, for every
  scoped model (units in agencies.models; dossiers and steps in cases.models; obstacles in reporting.models;
  hospital notices in health.models), each asking `may` first. What is outside them does not
  exist for the user (404, never 403, so nothing leaks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

from agencies.choices import Agency, UserRole
from portal.errors import Forbidden

View = Callable[..., HttpResponseBase]

VIEW, FILE, DESK, ACT, SUPPLY = "view", "file", "desk", "act", "supply"
REPORT, AMOUNTS, OBSTACLE_FILE, OBSTACLE_ANSWER = "report", "amounts", "obstacle_file", "obstacle_answer"
# The pages' own actions (a page is guarded by the action it serves, never by a list of roles).
DESK_PAGES, DOSSIER_PAGES, SCANS, QUEUE = "desk_pages", "dossier_pages", "scans", "queue"
SCHEDULE, INTEGRATION, STAFF_SIGN_IN = "schedule", "integration", "staff_sign_in"
# Notes between the offices working a dossier; one person's dossiers by their personal ID number.
NOTES, PERSON = "notes", "person"
NOTICES = "notices"  # the portal notices addressed to one's workplace
LADDER, LADDER_REPORT = "ladder", "ladder_report"
# The roles that may take each action; "view" is every role with a scope below.
ROLES: dict[str, tuple[str, ...]] = {
    VIEW: (
        UserRole.CLERK,
        UserRole.OFFICER,
        UserRole.PROVINCIAL,
        UserRole.INTEGRATION,
        UserRole.ADMIN,
        UserRole.CITIZEN,
    ),
    FILE: (UserRole.CLERK, UserRole.INTEGRATION, UserRole.CITIZEN),  # file a dossier (a citizen: e-ID level 2)
    DESK: (UserRole.CLERK, UserRole.INTEGRATION),  # the desk's actions on a dossier it filed
    SUPPLY: (UserRole.CLERK, UserRole.INTEGRATION, UserRole.CITIZEN),  # documents supplied, a scan attached
    ACT: (UserRole.OFFICER,),  # an officer's actions on a step of the office
    REPORT: (UserRole.PROVINCIAL, UserRole.CLERK, UserRole.OFFICER, UserRole.ADMIN),  # the reports of a unit
    AMOUNTS: (UserRole.PROVINCIAL,),  # the amounts paid other than the rate table's (a kind's result rule)
    OBSTACLE_FILE: (UserRole.CLERK, UserRole.OFFICER),  # a unit reports an obstacle
    OBSTACLE_ANSWER: (UserRole.PROVINCIAL,),  # the province answers it
    DESK_PAGES: (UserRole.CLERK,),  # the desk's list, intake and actions on a dossier
    DOSSIER_PAGES: (UserRole.CLERK, UserRole.PROVINCIAL, UserRole.ADMIN),  # a dossier's page and its papers
    SCANS: (UserRole.CLERK, UserRole.OFFICER, UserRole.PROVINCIAL, UserRole.ADMIN),  # a dossier's scans
    QUEUE: (UserRole.OFFICER,),  # an office's queue, its steps' pages and papers, its history
    SCHEDULE: (UserRole.PROVINCIAL,),  # the reports that go out by themselves
    INTEGRATION: (UserRole.INTEGRATION, UserRole.HEALTH_FACILITY),  # a partner system's own account page
    STAFF_SIGN_IN: (UserRole.CLERK, UserRole.OFFICER),  # the head of a desk or office: their staff's sign-in
    # Notes between the desk and the offices of a dossier: never its citizen, a partner system or
    # the province (the notes are the offices' working talk; the province reads the audit trail).
    NOTES: (UserRole.CLERK, UserRole.OFFICER),
    NOTICES: (UserRole.CLERK, UserRole.OFFICER, UserRole.PROVINCIAL),  # hand-offs, notes, the ladder's rungs
    PERSON: (UserRole.CLERK, UserRole.OFFICER),  # one person's dossiers (officers: see OFFICE_AGENCIES)
    # The head of an office (an officer who heads it, HEADS below): its escalation ladder, reassigning a step.
    LADDER: (UserRole.OFFICER,),
    LADDER_REPORT: (UserRole.PROVINCIAL,),  # how many steps reached each rung, per office
}
# Actions open to the officers of some bodies only (by their office's agency).
OFFICE_AGENCIES: dict[str, tuple[str, ...]] = {
    PERSON: (Agency.JUSTICE, Agency.POLICE),  # civil status and the police look people up
}
# The actions only the head of an office or desk takes (User.heads_workplace), whatever the role allows.
HEADS = frozenset({LADDER})
REFUSALS: dict[str, Any] = {
    FILE: _("Only a one-stop desk clerk, an integration client or a citizen signed in with e-ID can file dossiers."),
    DESK: _("Only the one-stop desk or the system that filed the dossier can do this."),
    SUPPLY: _("Only the one-stop desk, the system that filed the dossier or its applicant can do this."),
}


def page(action: str) -> Callable[[View], View]:
    """A page open to the roles that may take `action`: signed in (else to the sign-in page),
    and anyone else 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not may(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def may(user: Any, action: str) -> bool:
    """Whether `user`'s role may take `action` (a person with no role, anonymous, may none); for an
    officer, of an office of the bodies the action is open to (OFFICE_AGENCIES); a head's action
    only if they head their office or desk (HEADS)."""
    role = getattr(user, "role", None)
    if role not in ROLES[action] or (action in HEADS and not getattr(user, "heads_workplace", False)):
        return False
    bodies = OFFICE_AGENCIES.get(action)
    return bodies is None or role != UserRole.OFFICER or (user.office is not None and user.office.agency in bodies)


def require(user: Any, action: str, message: Any = None) -> None:
    """403 unless the user's role may take the action (with `message`, else the action's own)."""
    if not may(user, action):
        raise Forbidden(str(message or REFUSALS[action]))
