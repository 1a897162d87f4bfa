from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts import dispatch
        from alerts.roles import grant_alert_permissions
        from incidents import services

        # The incident services call their hooks after each write; this one
        # queues the rule check once the write has committed.
        if dispatch.record_changed not in services.on_change_hooks:
            services.on_change_hooks.append(dispatch.record_changed)
        post_migrate.connect(
            grant_alert_permissions, sender=self, dispatch_uid="alerts.grant_alert_permissions"
        )
