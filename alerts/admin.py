"""The admin for rules, endpoints, what was sent, flags and digest subscriptions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from alerts import services
from alerts.models import (
    AlertRule,
    Delivery,
    DeliveryAttempt,
    DigestSubscription,
    Flag,
    Notification,
    WebhookEndpoint,
    allowed_recipients_description,
)
from incidents.models import Facility


class AlertRuleForm(forms.ModelForm):
    facility_kinds = forms.MultipleChoiceField(
        choices=Facility.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=AlertRule._meta.get_field("facility_kinds").help_text,
    )

    class Meta:
        model = AlertRule
        fields = (
            "name",
            "kind",
            "active",
            "facility_kinds",
            "region",
            "service",
            "threshold",
            "days",
            "recipients",
            "emails",
            "webhooks",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The allowed domains come from the settings, so the help says which they are.
        self.fields[
            "emails"
        ].help_text = (
            f"Further e-mail addresses, separated by commas: {allowed_recipients_description()}."
        )


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ("name", "kind", "parameters", "active", "recipient_count", "updated_at")
    list_filter = ("kind", "active", "region")
    list_editable = ("active",)
    search_fields = ("name", "emails")
    list_select_related = ("region",)
    filter_horizontal = ("recipients", "webhooks")
    fieldsets = (
        (None, {"fields": ("name", "kind", "active")}),
        (
            _("Parameters"),
            {
                "fields": ("facility_kinds", "region", "service", "threshold", "days"),
                "description": _(
                    "Which of these count depends on the kind; see each field's help."
                ),
            },
        ),
        (_("Who is told"), {"fields": ("recipients", "emails", "webhooks")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertRule]:
        return super().get_queryset(request).prefetch_related("recipients")

    @admin.display(description=_("recipients"))
    def recipient_count(self, rule: AlertRule) -> int:
        return len(rule.recipients.all()) + len(rule.emails)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Only administrators see endpoints: each holds the secret its receiver trusts.

    Analysts and reviewers attach endpoints to rules in the rule form, which
    lists them by name; they never open this admin, whatever their groups hold.
    """

    list_display = ("name", "url", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    actions = ["rotate_secret"]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> list[str]:
        fields = ["name", "url", "active"]
        return fields if obj is None else [*fields, "signing_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None):
        return ["signing_secret"]

    @admin.display(description=_("secret"))
    def signing_secret(self, endpoint: WebhookEndpoint) -> str:
        return format_html("<code>{}</code>", endpoint.secret)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            messages.info(request, f"Signing secret for {obj}: {obj.secret}")

    @admin.action(description=_("Replace the signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.webhook_secret_rotate(endpoint=endpoint)
        self.message_user(request, f"New secrets for {queryset.count()} endpoint(s).")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("channel", "email", "endpoint", "status", "attempts", "last_status_code", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "rule",
        "recipient",
        "event_key",
        "title",
        "content_type",
        "object_id",
    )
    list_filter = ("rule__kind", "event_key", ("created_at", admin.DateFieldListFilter))
    search_fields = ("rule__name", "payload__title")
    list_select_related = ("rule", "recipient", "content_type")
    date_hierarchy = "created_at"
    readonly_fields = (
        "rule",
        "recipient",
        "content_type",
        "object_id",
        "event_key",
        "payload",
        "created_at",
    )
    inlines = [DeliveryInline]

    @admin.display(description=_("what matched"))
    def title(self, notification: Notification) -> str:
        return notification.payload.get("title", "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ("number", "attempted_at", "succeeded", "status_code", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "notification",
        "channel",
        "target",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "channel", "endpoint")
    search_fields = ("email", "endpoint__name", "endpoint__url", "notification__rule__name")
    list_select_related = ("notification__rule", "endpoint")
    date_hierarchy = "created_at"
    readonly_fields = (
        "notification",
        "channel",
        "email",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_status_code",
        "last_error",
        "sent_at",
        "created_at",
    )
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    @admin.display(description=_("to"))
    def target(self, delivery: Delivery) -> str:
        return delivery.email or str(delivery.endpoint or "–")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the failed deliveries again"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        if not request.user.is_superuser:
            self.message_user(request, "Only administrators can send again.", messages.ERROR)
            return
        ids = list(queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING, next_attempt_at=None, attempts=0
        )
        services.enqueue_deliveries(delivery_ids=ids)
        self.message_user(request, f"{len(ids)} deliver(y/ies) queued again.")


class FlagStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset: QuerySet[Flag]) -> QuerySet[Flag]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "region", "message", "record_link", "resolved_at", "resolved_by")
    list_filter = (FlagStateFilter, "kind", "region", "day")
    search_fields = ("message",)
    list_select_related = ("region", "resolved_by", "content_type")
    date_hierarchy = "day"
    readonly_fields = (
        "kind",
        "day",
        "region",
        "message",
        "content_type",
        "object_id",
        "created_at",
        "resolved_at",
        "resolved_by",
    )
    actions = ["resolve"]

    @admin.display(description=_("record"))
    def record_link(self, flag: Flag) -> str:
        label = f"{flag.content_type.name} #{flag.object_id}"
        try:
            url = reverse(
                f"admin:{flag.content_type.app_label}_{flag.content_type.model}_change",
                args=[flag.object_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mark as dealt with"), permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        resolved = sum(services.flag_resolve(flag=flag, user=request.user) for flag in queryset)
        self.message_user(request, f"{resolved} flag(s) marked as dealt with.")


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "active", "last_sent_on")
    list_filter = ("active",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("last_sent_on",)

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, subscription: DigestSubscription) -> str:
        return subscription.user.email or "– (no address: nothing is sent)"
