"""Who may do what to which dossier: the one place where roles meet actions (in the spirit of
NetBox's RestrictedQuerySet). Every selector, view, API view and service asks here:

- `may(user, action)`: whether the user's role may take the action at all;
- `require(user, action)`: the same, as a 403 naming who may;
- `bundles(user, action)` / `steps(user, action)`: the rows the user may take the action on
  (`Bundle.objects.restrict(user, action)` and `Step.objects.restrict(user, action)` call these).
  What is outside them does not exist for the user (404, never 403, so nothing leaks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.choices import UserRole
from agencies.selectors import in_province_of
from portal.access import View, role_required
from portal.errors import Forbidden

if TYPE_CHECKING:
    from agencies.models import User

Rows = TypeVar("Rows", bound=QuerySet[Any])

VIEW, FILE, DESK, ACT, SUPPLY = "view", "file", "desk", "act", "supply"
REPORT, AMOUNTS, OBSTACLE_FILE, OBSTACLE_ANSWER = "report", "amounts", "obstacle_file", "obstacle_answer"
# The pages' own actions (a page is guarded by the action it serves, never by a list of roles).
DESK_PAGES, DOSSIER_PAGES, SCANS, QUEUE = "desk_pages", "dossier_pages", "scans", "queue"
SCHEDULE, INTEGRATION, STAFF_SIGN_IN = "schedule", "integration", "staff_sign_in"
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
}
REFUSALS: dict[str, Any] = {
    FILE: _("Only a one-stop desk clerk, an integration client or a citizen signed in with e-ID can file dossiers."),
    DESK: _("Only the one-stop desk or the system that filed the dossier can do this."),
    SUPPLY: _("Only the one-stop desk, the system that filed the dossier or its applicant can do this."),
}


def page(action: str) -> Callable[[View], View]:
    """A page open to the roles that may take `action` (signed in; anyone else 403)."""
    return role_required(*ROLES[action])


def may(user: User, action: str) -> bool:
    return user.role in ROLES[action]


def require(user: User, action: str, message: Any = None) -> None:
    """403 unless the user's role may take the action (with `message`, else the action's own)."""
    if not may(user, action):
        raise Forbidden(str(message or REFUSALS[action]))


def bundles(queryset: Rows, user: User, action: str) -> Rows:
    """The bundles `user` may take `action` on: clerks their commune's, officers those with a step
    at their office, provincial staff their province's, integration clients what they filed,
    administrators everything, citizens those where they are the applicant; none for a role the
    action is not for."""
    if not may(user, action):
        return queryset.none()
    if user.role == UserRole.CLERK:
        return queryset.filter(commune=user.commune_id)
    if user.role == UserRole.OFFICER:
        from cases.models import Step

        return queryset.filter(Exists(Step.objects.filter(bundle=OuterRef("pk"), office=user.office_id)))
    if user.role == UserRole.PROVINCIAL:
        return queryset.filter(in_province_of(user, "commune__"))
    if user.role == UserRole.INTEGRATION:
        return queryset.filter(filed_by=user)
    if user.role == UserRole.ADMIN:
        return queryset
    if user.role == UserRole.CITIZEN and user.personal_id:
        return queryset.filter(applicant_id_number=user.personal_id)
    return queryset.none()


def steps(queryset: Rows, user: User, action: str) -> Rows:
    """The steps `user` may take `action` on: an officer's office's (its queue). Nobody else has
    steps of their own; they see steps through the bundles they may view."""
    if user.role != UserRole.OFFICER or not may(user, action):
        return queryset.none()
    return queryset.filter(office=user.office_id)
