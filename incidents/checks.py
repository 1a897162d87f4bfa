"""System checks for settings that must hold in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    problems = []
    if len(settings.SECRET_KEY) < 50:
        problems.append(Error("SECRET_KEY is shorter than 50 characters.", id="incidents.E001"))
    if not settings.ALLOWED_HOSTS:
        problems.append(Error("ALLOWED_HOSTS is empty.", id="incidents.E002"))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append(
            Warning(
                "CELERY_TASK_ALWAYS_EAGER is true: background work runs inside web requests.",
                id="incidents.W001",
            )
        )
    if not settings.CACHE_URL:
        problems.append(
            Warning(
                "CACHE_URL is not set: each web process keeps its own cache and API throttle "
                "counts in memory, so several processes neither share nor invalidate them.",
                hint='Point CACHE_URL at Redis (README, "Scaling out").',
                id="incidents.W002",
            )
        )
    return problems
