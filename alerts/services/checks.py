"""The daily checks (stale outages, overdue restorations) and the digests."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from alerts import selectors
from alerts.models import (
    DigestSubscription,
    Flag,
)
from incidents.reports.render import report_fragment, report_markdown
from preferences.language import saved_language

# --------------------------------------------------------------------------- daily checks


def _flag(*, kind: str, record: models.Model, day, region_id: int | None, message: str) -> bool:
    _, created = Flag.objects.get_or_create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        day=day,
        defaults={"region_id": region_id, "message": message},
    )
    return created


def flag_stale_outages(*, now: datetime | None = None) -> int:
    """Flag open outages whose latest figure is too old; returns how many flags are new."""
    now = now or timezone.now()
    hours = settings.ALERTS_STALE_OUTAGE_HOURS
    day = timezone.localdate(now)
    created = 0
    for report in selectors.stale_outages(updated_before=now - timedelta(hours=hours)):
        as_of = timezone.localtime(report.as_of).strftime("%Y-%m-%d %H:%M")
        message = (
            f"{report.region} – {report.get_service_display().lower()}: the latest figure "
            f"({report.figure()}, as of {as_of}) "
            f"is more than {hours} hours old while the outage is open."
        )
        created += _flag(
            kind=Flag.Kind.STALE_OUTAGE,
            record=report,
            day=day,
            region_id=report.region_id,
            message=message,
        )
    return created


def flag_overdue_restorations(*, now: datetime | None = None) -> int:
    """Flag damages whose expected restoration date has passed; returns how many are new."""
    day = timezone.localdate(now or timezone.now())
    created = 0
    for damage in selectors.overdue_restorations(today=day):
        message = (
            f"{damage.facility.name}: restoration was expected by "
            f"{damage.expected_restoration:%Y-%m-%d} and is "
            f"{damage.get_restoration_status_display().lower()}."
        )
        created += _flag(
            kind=Flag.Kind.RESTORATION_OVERDUE,
            record=damage,
            day=day,
            region_id=damage.facility.region_id,
            message=message,
        )
    return created


def flag_resolve(*, flag: Flag, user: AbstractBaseUser) -> bool:
    """Mark a flag dealt with; False if it already was."""
    return bool(
        Flag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=user
        )
    )


# --------------------------------------------------------------------------- digest


def _digest_due(today) -> Q:
    return Q(active=True) & (Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today))


def digest_subscriptions_due(*, now: datetime | None = None) -> list[int]:
    today = timezone.localdate(now or timezone.now())
    return list(
        DigestSubscription.objects.filter(_digest_due(today), user__is_active=True)
        .exclude(user__email="")
        .values_list("pk", flat=True)
    )


def digest_send(*, subscription_id: int, now: datetime | None = None) -> bool:
    """Send one subscriber today's digest; False if it was sent already today.

    The subscription is claimed for the day first, so two workers never both
    send it; when sending fails, the claim is given back and the task retries.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    subscription = (
        DigestSubscription.objects.select_related("user").filter(pk=subscription_id).first()
    )
    if subscription is None:
        return False
    previous = subscription.last_sent_on
    claimed = DigestSubscription.objects.filter(
        _digest_due(today), pk=subscription_id, user__is_active=True
    ).update(last_sent_on=today)
    if claimed != 1 or not subscription.user.email:
        return False
    content = selectors.digest(now=now)
    # The day's report, as the report page words it, with links to the site.
    report = {"base_url": settings.SITE_URL, "public": False}
    try:
        # In the language the subscriber chose for the interface.
        with translation.override(saved_language(subscription.user) or settings.LANGUAGE_CODE):
            context = {
                "digest": content,
                "user": subscription.user,
                "site_url": settings.SITE_URL,
                "report_text": report_markdown(content.report, **report),
                "report_html": report_fragment(content.report, **report),
                "report_url": settings.SITE_URL
                + reverse("report-day", args=[content.day.isoformat()]),
            }
            subject = gettext("Daily digest for %(day)s") % {"day": f"{today:%Y-%m-%d}"}
            send_mail(
                subject=f"[{settings.SITE_NAME}] {subject}",
                message=render_to_string("alerts/email/digest.txt", context),
                html_message=render_to_string("alerts/email/digest.html", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[subscription.user.email],
            )
    except Exception:
        DigestSubscription.objects.filter(pk=subscription_id, last_sent_on=today).update(
            last_sent_on=previous
        )
        raise
    return True
