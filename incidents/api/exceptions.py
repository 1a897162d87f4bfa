"""One exception handler: errors from the services become 400s with field-level messages."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the stored data."
    default_code = "conflict"


def _detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(detail=_detail(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        names = ", ".join(sorted({str(obj) for obj in exc.args[1]})[:5])
        exc = DRFValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [f"Other records refer to this one: {names}."]}
        )
    elif isinstance(exc, IntegrityError):
        exc = Conflict(f"The record conflicts with stored data: {exc}".strip())
    elif isinstance(exc, DataError):
        exc = DRFValidationError({api_settings.NON_FIELD_ERRORS_KEY: [f"Invalid value: {exc}"]})
    return drf_exception_handler(exc, context)
