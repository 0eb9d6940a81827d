"""API permissions by role, shared by several apps (kept apart from the API's other pieces: DRF
imports the default permission classes while rest_framework.views is still loading)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from agencies.choices import UserRole


class NotHealthFacility(permissions.BasePermission):
    """Every endpoint but the hospital notices' refuses a health facility's API client."""

    message = _("A health facility's API client can only send hospital notices.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) != UserRole.HEALTH_FACILITY


class IsHealthFacility(permissions.BasePermission):
    message = _("Only a health facility can send hospital notices.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) == UserRole.HEALTH_FACILITY
