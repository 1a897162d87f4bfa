"""What the incident roles may do with alerts.

Analysts and reviewers define rules and follow what was sent; reviewers also
work through the flags. Webhook endpoints are seen by both (to attach them to
rules) but only administrators see or change their secrets.
"""

from django.contrib.auth.models import Group, Permission

from incidents.roles import ANALYST, REVIEWER

ALERT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ANALYST: (
        "view_alertrule",
        "add_alertrule",
        "change_alertrule",
        "delete_alertrule",
        "view_webhookendpoint",
        "view_notification",
        "view_delivery",
        "view_deliveryattempt",
        "view_flag",
    ),
    REVIEWER: (
        "view_alertrule",
        "add_alertrule",
        "change_alertrule",
        "delete_alertrule",
        "view_webhookendpoint",
        "view_notification",
        "view_delivery",
        "view_deliveryattempt",
        "view_flag",
        "change_flag",
    ),
}


def grant_alert_permissions(**kwargs) -> None:
    """Add the alerts permissions to the role groups; safe to run any number of times."""
    for role, codenames in ALERT_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="alerts", codename__in=codenames)
        )
