from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from alerts import dispatch
        from alerts.roles import grant_alert_permissions
        from incidents.signals import record_changed, sent_back

        # The incident services send this after each write; the receiver
        # queues the rule check once the write has committed.
        record_changed.connect(dispatch.record_changed, dispatch_uid="alerts.record_changed")
        # A reviewer sent a record back: its author gets a notification and an e-mail.
        sent_back.connect(dispatch.sent_back, dispatch_uid="alerts.sent_back")
        post_migrate.connect(
            grant_alert_permissions, sender=self, dispatch_uid="alerts.grant_alert_permissions"
        )
