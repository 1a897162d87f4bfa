"""Alert rules, the notifications they produce, how those are delivered, and review flags."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from alerts.webhooks import scheme_refusal
from incidents.models import Facility, OutageReport, Region


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def validate_webhook_url(value: str) -> None:
    """Webhooks are POSTed over http or https; other schemes (ftp, file) are refused."""
    refusal = scheme_refusal(value)
    if refusal:
        raise ValidationError(refusal, code="scheme")


def outside_addresses(addresses: Iterable[str]) -> list[str]:
    """The addresses, of those given, that alerts may not be sent to, in the order given.

    Alerts carry data that is not public yet, so they go only to addresses of
    active registered users and to addresses in the domains of ALERTS_EMAIL_DOMAINS,
    both compared without regard to case.
    """
    domains = {domain.lower() for domain in settings.ALERTS_EMAIL_DOMAINS}
    candidates = [a for a in addresses if a.rpartition("@")[2].lower() not in domains]
    if not candidates:
        return []
    registered = set(
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(address=Lower("email"))
        .filter(address__in={address.lower() for address in candidates})
        .values_list("address", flat=True)
    )
    return [address for address in candidates if address.lower() not in registered]


def allowed_recipients_description() -> str:
    """Who alert e-mails may go to, in words, for messages and help texts."""
    domains = ", ".join(settings.ALERTS_EMAIL_DOMAINS)
    if domains:
        return f"addresses of registered users, or addresses in {domains}"
    return "addresses of registered users"


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON notifications."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    url = models.URLField(
        _("URL"),
        max_length=1000,
        validators=[validate_webhook_url],
        help_text=_(
            "An http:// or https:// address. Private and local addresses are refused "
            "when sending unless the administrator allows them."
        ),
    )
    secret = models.CharField(
        max_length=100,
        default=new_webhook_secret,
        help_text=_("The receiver checks X-Tracker-Signature with it; only administrators see it."),
        verbose_name=_("secret"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("webhook endpoints")
        verbose_name = _("webhook endpoint")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AlertRule(models.Model):
    """What an analyst wants to hear about, and who should hear it."""

    class Kind(models.TextChoices):
        FACILITY_DAMAGED = "facility_damaged", _("A facility of given kinds is damaged")
        OUTAGE_ABOVE = "outage_above", _("An outage figure above a threshold in a region")
        HIT_AGAIN = "hit_again", _("A facility is hit again within N days")
        ATTACK_VERIFIED = "attack_verified", _("An attack is verified")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    facility_kinds = ArrayField(
        models.CharField(max_length=20, choices=Facility.Kind.choices),
        default=list,
        blank=True,
        help_text=_(
            "Damage rules: the facility kinds that count (required for "
            "'a facility of given kinds is damaged'; empty means any for 'hit again')."
        ),
        verbose_name=_("facility kinds"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_rules",
        help_text=_("Required for outage rules; for the others, empty means every region."),
        verbose_name=_("region"),
    )
    service = models.CharField(
        max_length=20,
        choices=OutageReport.Service.choices,
        blank=True,
        help_text=_("Outage rules: empty means any service."),
        verbose_name=_("service"),
    )
    threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Outage rules: notify when a figure is above this count."),
        verbose_name=_("threshold"),
    )
    days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("'Hit again' rules: how many days back an earlier hit counts."),
        verbose_name=_("days"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="alert_rules",
        verbose_name=_("recipients"),
    )
    emails = ArrayField(
        models.EmailField(),
        default=list,
        blank=True,
        help_text=_("Further e-mail addresses, separated by commas."),
        verbose_name=_("emails"),
    )
    webhooks = models.ManyToManyField(
        WebhookEndpoint, blank=True, related_name="rules", verbose_name=_("webhooks")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name_plural = _("alert rules")
        verbose_name = _("alert rule")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="outage_above")
                | Q(region__isnull=False, threshold__isnull=False),
                name="alertrule_outage_has_region_and_threshold",
                violation_error_message=_("An outage rule needs a region and a threshold."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="facility_damaged") | ~Q(facility_kinds=[]),
                name="alertrule_damage_has_facility_kinds",
                violation_error_message=_("A damage rule needs at least one facility kind."),
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="alertrule_days_positive"),
        ]
        indexes = [
            # Matching: the active rules of one kind.
            models.Index(fields=["kind", "active"], name="alertrule_kind_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.kind == self.Kind.OUTAGE_ABOVE:
            if self.region_id is None:
                errors["region"] = _("An outage rule needs a region.")
            if self.threshold is None:
                errors["threshold"] = _("An outage rule needs a threshold.")
        if self.kind == self.Kind.FACILITY_DAMAGED and not self.facility_kinds:
            errors["facility_kinds"] = _("Choose at least one facility kind.")
        outside = outside_addresses(self.emails or [])
        if outside:
            errors["emails"] = (
                f"Alerts go only to {allowed_recipients_description()}. "
                f"Not allowed: {', '.join(outside)}."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def parameters(self) -> str:
        """The rule's parameters in words, for lists and messages."""
        parts: list[str] = []
        if self.facility_kinds:
            labels = dict(Facility.Kind.choices)
            parts.append(", ".join(str(labels.get(kind, kind)) for kind in self.facility_kinds))
        if self.region_id:
            parts.append(f"in {self.region}")
        if self.service:
            parts.append(self.get_service_display().lower())
        if self.kind == self.Kind.OUTAGE_ABOVE and self.threshold is not None:
            parts.append(f"above {self.threshold:,}")
        if self.kind == self.Kind.HIT_AGAIN:
            parts.append(f"within {self.days} days")
        return "; ".join(parts)


class Notification(models.Model):
    """One match of one rule against one record (made at most once per event), or a
    message to one user about their record (a reviewer sent it back)."""

    rule = models.ForeignKey(
        AlertRule,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("Empty for a message to one user, not from a rule."),
        verbose_name=_("rule"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("The user a message without a rule is for."),
        verbose_name=_("recipient"),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    content_object = GenericForeignKey("content_type", "object_id")
    event_key = models.CharField(
        max_length=50,
        help_text=_("What happened to the record, e.g. 'damaged' or 'verified'."),
        verbose_name=_("event key"),
    )
    payload = models.JSONField(
        help_text=_("What matched, as it was when the rule matched."), verbose_name=_("payload")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "content_type", "object_id", "event_key"],
                name="notification_once_per_rule_object_event",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=False) | Q(recipient__isnull=False),
                name="notification_has_rule_or_recipient",
                violation_error_message=_("A notification comes from a rule or is for a user."),
            ),
        ]

    def __str__(self) -> str:
        about = self.rule if self.rule_id else f"For {self.recipient}"
        return f"{about}: {self.payload.get('title', self.event_key)}"


class Delivery(models.Model):
    """One notification sent over one channel to one address or endpoint."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, verbose_name=_("channel"))
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        # The log stays when an endpoint is removed; a pending delivery then fails.
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When a worker started the current attempt."),
        verbose_name=_("claimed at"),
    )
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last status code")
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="email") | ~Q(email=""),
                name="delivery_email_has_address",
            ),
        ]
        indexes = [
            # The sweeper: pending deliveries that are due, sending ones that stalled.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due_idx"),
        ]

    def __str__(self) -> str:
        target = self.email if self.channel == self.Channel.EMAIL else self.endpoint
        return f"{self.get_channel_display()} to {target} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, kept as a log."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    attempted_at = models.DateTimeField(verbose_name=_("attempted at"))
    succeeded = models.BooleanField(verbose_name=_("succeeded"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(verbose_name=_("duration ms"))

    class Meta:
        verbose_name_plural = _("delivery attempts")
        verbose_name = _("delivery attempt")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="deliveryattempt_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"


class Flag(models.Model):
    """Something reviewers should look at, raised by a daily check; one per record and day."""

    class Kind(models.TextChoices):
        STALE_OUTAGE = "stale_outage", _("Outage figure not updated")
        RESTORATION_OVERDUE = "restoration_overdue", _("Restoration overdue")

    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    content_object = GenericForeignKey("content_type", "object_id")
    day = models.DateField(
        help_text=_("The day (Kyiv time) the check raised it."), verbose_name=_("day")
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("region"),
    )
    message = models.TextField(verbose_name=_("message"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-day", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "day"],
                name="flag_once_per_record_and_day",
            ),
        ]
        indexes = [
            # The reviewers' list: open flags, newest day first.
            models.Index(fields=["resolved_at", "-day"], name="flag_open_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:80]}"


class DigestSubscription(models.Model):
    """A user who receives the daily digest e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_subscription",
        verbose_name=_("user"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    last_sent_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The day (Kyiv time) of the last digest sent."),
        verbose_name=_("last sent on"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name_plural = _("digest subscriptions")
        verbose_name = _("digest subscription")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"Daily digest for {self.user}"
