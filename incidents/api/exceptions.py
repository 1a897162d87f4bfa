"""One exception handler: errors from the services become 400s with field-level messages.

A value that another record already holds (a uniqueness rule) is a 409: the
request is well formed but conflicts with stored data.

Errors from the database itself become plain messages: its text names
constraints, columns and values, which is for the log, not for API clients.
"""

from __future__ import annotations

import logging
from functools import cache

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError, UniqueConstraint
from django.http import Http404
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from incidents.services import CONFLICT_MESSAGE

logger = logging.getLogger(__name__)

MALFORMED_MESSAGE = _("A value is out of range or malformed.")
# PostgreSQL's SQLSTATE for a statement cancelled, here by the web requests' statement_timeout.
QUERY_CANCELED = "57014"


class QueryTooSlow(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The query took too long; narrow the filters.")
    default_code = "query_too_slow"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the stored data.")
    default_code = "conflict"


def _detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def _log_database_error(exc: Exception, context: dict) -> None:
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "API"
    logger.warning("%s: %s: %s", where, type(exc).__name__, exc)


# Django's codes for a value another record already holds (unique=True, unique_together).
UNIQUE_CODES = frozenset({"unique", "unique_together"})


@cache
def _unique_constraint_messages(language: str | None) -> frozenset[str]:
    # A UniqueConstraint with its own message reports no code; its message tells it apart.
    # The messages are translated, so they are compared in the request's language.
    return frozenset(
        str(constraint.get_violation_error_message())
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint)
    )


def _only_uniqueness(exc: DjangoValidationError) -> bool:
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    flat = [error for field_errors in errors for error in field_errors]
    return bool(flat) and all(
        error.code in UNIQUE_CODES
        or str(error.message) in _unique_constraint_messages(get_language())
        for error in flat
    )


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # Django's "No Attack matches the given query." is neither translated nor needed:
        # DRF's own "Not found." is, in every language it ships.
        exc = NotFound()
    if isinstance(exc, DjangoValidationError) and _only_uniqueness(exc):
        # Well-formed, but another record holds the value: a conflict with stored data.
        exc = Conflict(detail=_detail(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(detail=_detail(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        names = ", ".join(sorted({str(obj) for obj in exc.args[1]})[:5])
        exc = DRFValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    gettext("Other records refer to this one: %(names)s.") % {"names": names}
                ]
            }
        )
    elif isinstance(exc, IntegrityError):
        _log_database_error(exc, context)
        exc = Conflict(CONFLICT_MESSAGE)
    elif isinstance(exc, DataError):
        _log_database_error(exc, context)
        exc = DRFValidationError({api_settings.NON_FIELD_ERRORS_KEY: [MALFORMED_MESSAGE]})
    elif (
        isinstance(exc, OperationalError)
        and getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED
    ):
        _log_database_error(exc, context)
        exc = QueryTooSlow()
    return drf_exception_handler(exc, context)
