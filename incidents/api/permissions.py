"""Who may do what: reads need a login unless PUBLIC_READ; writes need model permissions."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class ReadOrModelPermissions(DjangoModelPermissions):
    """Read: any logged-in user, or anyone when PUBLIC_READ=true.

    Write: the model permission the method needs, which the roles grant:
    analysts add and change, reviewers also delete; viewers only read.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(settings.PUBLIC_READ or (request.user and request.user.is_authenticated))
        return super().has_permission(request, view)
