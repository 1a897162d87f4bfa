"""Who may do what: reads need a login unless PUBLIC_READ; writes need model permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

if TYPE_CHECKING:
    # DRF loads this module while rest_framework.views is still importing.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ReadAccess(BasePermission):
    """Logged-in users read everything; anyone does when PUBLIC_READ is on.

    The one read rule of the API: the resources, map layers, statistics,
    exports, and the OpenAPI schema and its docs page all apply it.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(settings.PUBLIC_READ or (request.user and request.user.is_authenticated))


class ReadOrModelPermissions(DjangoModelPermissions):
    """Read: as ReadAccess says.

    Write: the model permission the method needs, which the roles grant:
    analysts add and change, reviewers also delete; viewers only read.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return ReadAccess().has_permission(request, view)
        return super().has_permission(request, view)


class CanMovePublication(BasePermission):
    """The publication endpoints: authors submit (they may change the record); reviewers
    publish, send back and withdraw (the model's publish permission)."""

    # The permission each action needs, by the viewset action's name.
    NEEDS = {
        "submit": "change",
        "publish": "publish",
        "send_back": "publish",
        "withdraw": "publish",
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action not in self.NEEDS:
            # A method the route does not take: the view answers 405.
            return True
        model = view.get_queryset().model
        permission = self.NEEDS[view.action]
        return user.has_perm(f"{model._meta.app_label}.{permission}_{model._meta.model_name}")
