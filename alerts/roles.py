"""What the incident roles may do with alerts.

Analysts and reviewers define rules and follow what was sent; reviewers also
work through the flags. Webhook endpoints, with the secrets receivers check
signatures with, are administrators' business alone: rule editors attach
endpoints to rules by name in the rule form without any endpoint permission.
"""

from django.contrib.auth.models import Group, Permission

from incidents.roles import ANALYST, REVIEWER, VIEWER

# Analysts keep their own rules and see what was sent and flagged; reviewers also
# resolve flags.
_ANALYST_ALERTS = (
    "view_alertrule",
    "add_alertrule",
    "change_alertrule",
    "delete_alertrule",
    "view_notification",
    "view_delivery",
    "view_deliveryattempt",
    "view_flag",
)
ALERT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ANALYST: _ANALYST_ALERTS,
    REVIEWER: (*_ANALYST_ALERTS, "change_flag"),
    VIEWER: (),
}


def grant_alert_permissions(**kwargs) -> None:
    """Give each role exactly its alerts permissions; safe to run any number of times.

    Permissions a role must not have (such as the webhook endpoints' view
    permission earlier versions gave) are taken away, so migrate repairs an
    existing database; permissions of other apps are left as they are.
    """
    for role, codenames in ALERT_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.filter(content_type__app_label="alerts", codename__in=codenames)
        others = group.permissions.exclude(content_type__app_label="alerts")
        group.permissions.set([*wanted, *others])
