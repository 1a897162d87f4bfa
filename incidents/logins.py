"""Logins: who is trying from where, the lockout page, and the log of failures.

django-axes counts failed logins per username and per client address and
refuses both once either reaches LOGIN_FAILURE_LIMIT within the cool-off
window (settings.py, "Login protection"). This module tells it the client's
address, renders the page a locked-out person sees, and logs every failure.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_lockout_parameters,
)
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger("incidents.logins")


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from, by the rule the API throttle uses (NUM_PROXIES).

    Without proxies (NUM_PROXIES = 0) only the connection's own address
    counts, so a client cannot pick another one by sending X-Forwarded-For.
    Behind n proxies, each appending the address it saw, the client is the
    n-th entry from the right: entries further left were sent by the client.
    """
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.NUM_PROXIES == 0 or not forwarded.strip():
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    candidate = entries[-min(settings.NUM_PROXIES, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Fewer proxies than configured: what is left is the client's own text.
        return remote


@dataclass(frozen=True)
class Lock:
    """One locked parameter: the account ("username") or the address ("ip_address")."""

    parameter: str
    failures: int
    until: datetime


def current_locks(request: HttpRequest, credentials: dict | None = None) -> list[Lock]:
    """The locks that refuse this login, with the time each one ends."""
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    # One queryset per lockout parameter, in settings order, already cut to the window.
    attempts = handler.get_user_attempts(request, credentials)
    locks = []
    parameters = get_lockout_parameters(request, credentials)
    for parameter, queryset in zip(parameters, attempts, strict=True):
        totals = queryset.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit and totals["last"] is not None:
            locks.append(Lock(parameter, totals["failures"], totals["last"] + cool_off))
    return locks


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page in the site's layout that says what is locked, until when, and who can unlock."""
    locks = current_locks(request, credentials)
    until = max((lock.until for lock in locks), default=timezone.now() + get_cool_off(request))
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    context = {
        "username": get_client_username(request, credentials) or "",
        "address": getattr(request, "axes_ip_address", None) or client_address(request),
        "account_locked": any(lock.parameter == "username" for lock in locks),
        "address_locked": any(lock.parameter == "ip_address" for lock in locks),
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": round(get_cool_off(request).total_seconds() / 60),
        "until": until,
        "minutes": minutes,
    }
    response = render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def log_failed_login(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Log who failed to log in from where; Django has already masked the password."""
    username = str(credentials.get("username", ""))[:150]
    address = client_address(request) if request is not None else None
    logger.warning("Failed login for username %r from %s", username, address or "unknown")


def log_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    logger.warning(
        "Login refused after repeated failures: username %r, address %s (locked out)",
        (username or "")[:150],
        ip_address or "unknown",
    )
