from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreferencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "preferences"
    verbose_name = _("Preferences")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from preferences.language import language_on_login

        # A login switches the interface to the language the user chose last time.
        user_logged_in.connect(language_on_login, dispatch_uid="preferences.language_on_login")
