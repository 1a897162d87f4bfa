from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from incidents import checks  # noqa: F401  (registers the system checks)
        from incidents.admin.secrets import guard_registered_admins
        from incidents.data_version import after_migrate as track_data_version
        from incidents.logins import log_failed_login, log_lockout
        from incidents.public.schema import after_migrate
        from incidents.roles import ensure_roles

        # The admin has imported every app's admin module by now (it comes first in
        # INSTALLED_APPS); a system check reports any admin registered later.
        guard_registered_admins()

        # Permissions only exist after migrate has run, so the role groups are
        # (re)built then; ensure_roles is idempotent.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="incidents.ensure_roles")
        # The public view's tables and views follow the app's tables (incidents.public).
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="incidents.public_view")
        # Then the triggers that move the data version, on those tables too.
        post_migrate.connect(track_data_version, sender=self, dispatch_uid="incidents.data_version")
        user_login_failed.connect(log_failed_login, dispatch_uid="incidents.log_failed_login")
        user_locked_out.connect(log_lockout, dispatch_uid="incidents.log_lockout")
