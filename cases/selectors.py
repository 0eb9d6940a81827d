"""Reads of bundles and steps, always scoped to the person asking: what is outside their scope
does not exist for them (404, never 403, so nothing leaks)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from agencies.choices import UnitLevel, UserRole
from agencies.models import AdministrativeUnit, User
from cases.models import Bundle, BundleQuerySet, Step, StepQuerySet
from portal.errors import NotFound


def bundle_list_for_user(*, user: User) -> BundleQuerySet:
    """Clerks see their commune's bundles, officers those with a step at their office, provincial
    staff their province's, integration clients what they filed, administrators everything."""
    bundles = Bundle.objects.all()
    if user.role == UserRole.CLERK:
        return bundles.filter(commune=user.commune_id)
    if user.role == UserRole.OFFICER:
        return bundles.filter(Exists(Step.objects.filter(bundle=OuterRef("pk"), office=user.office_id)))
    if user.role == UserRole.PROVINCIAL:
        province = AdministrativeUnit.objects.filter(provincial_staff=user).values("code")
        return bundles.filter(
            Q(commune__parent__code__in=province, commune__parent__level=UnitLevel.PROVINCE)
            | Q(commune__parent__parent__code__in=province)
        )
    if user.role == UserRole.INTEGRATION:
        return bundles.filter(filed_by=user)
    if user.role == UserRole.ADMIN:
        return bundles
    return bundles.none()


def bundle_get_for_user(*, user: User, code: str) -> Bundle:
    bundle = bundle_list_for_user(user=user).filter(code=code).select_related("commune").first()
    if bundle is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code})
    return bundle


def step_list_for_user(*, user: User) -> StepQuerySet:
    """An officer's queue: the steps at their office. Nobody else has a queue."""
    if user.role != UserRole.OFFICER:
        return Step.objects.none()
    return Step.objects.filter(office=user.office_id)


def step_get_for_user(*, user: User, pk: int) -> Step:
    step = step_list_for_user(user=user).filter(pk=pk).first()
    if step is None:
        raise NotFound(_("No step %(pk)s in your queue.") % {"pk": pk})
    return step
