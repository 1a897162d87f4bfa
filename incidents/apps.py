from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents import checks  # noqa: F401  (registers the system checks)
        from incidents.admin_secrets import guard_registered_admins
        from incidents.roles import ensure_roles

        # The admin has imported every app's admin module by now (it comes first in
        # INSTALLED_APPS); a system check reports any admin registered later.
        guard_registered_admins()

        # Permissions only exist after migrate has run, so the role groups are
        # (re)built then; ensure_roles is idempotent.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="incidents.ensure_roles")
