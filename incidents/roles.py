"""The three roles, as Django groups with model permissions.

- analyst: views, adds and changes every incident record;
- reviewer: also deletes, may mark attacks verified or disputed, and publishes;
- viewer: reads only.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

ANALYST, REVIEWER, VIEWER = "analyst", "reviewer", "viewer"

# The models whose rows the roles work on (lower-case model names of this app).
ROLE_MODELS = (
    "region",
    "facility",
    "attack",
    "weaponuse",
    "damage",
    "outagereport",
    "source",
    "responsemeasure",
)

ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    VIEWER: ("view",),
    ANALYST: ("view", "add", "change"),
    REVIEWER: ("view", "add", "change", "delete"),
}
# Analysts and reviewers import files and see the jobs; viewers do neither.
EXTRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ANALYST: ("view_importjob", "add_importjob"),
    REVIEWER: (
        "verify_attack",
        "publish_attack",
        "publish_outagereport",
        "publish_responsemeasure",
        "view_importjob",
        "add_importjob",
    ),
}


def role_codenames(role: str) -> set[str]:
    names = {f"{action}_{model}" for action in ROLE_ACTIONS[role] for model in ROLE_MODELS}
    return names | set(EXTRA_PERMISSIONS.get(role, ()))


def ensure_roles(**kwargs) -> None:
    """Create or repair the role groups; safe to run any number of times."""
    for role in ROLE_ACTIONS:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = role_codenames(role)
        permissions = list(
            Permission.objects.filter(content_type__app_label="incidents", codename__in=wanted)
        )
        # Roles managed by this module are kept exactly as defined here.
        others = group.permissions.exclude(content_type__app_label="incidents")
        group.permissions.set([*permissions, *others])


# --------------------------------------------------------------------------- who needs which role

# From the role that may do least to the one that may do most.
ROLE_ORDER = (VIEWER, ANALYST, REVIEWER)
ROLE_LABELS = {VIEWER: _("Viewer"), ANALYST: _("Analyst"), REVIEWER: _("Reviewer")}
ADMINISTRATOR = _("Administrator")
NO_ROLE = _("no role")


def role_permissions(role: str) -> set[str]:
    """Every permission a role's group is given, as "app_label.codename"."""
    # alerts.roles builds on this module, so it is read only when asked.
    from alerts.roles import ALERT_PERMISSIONS

    return {f"incidents.{name}" for name in role_codenames(role)} | {
        f"alerts.{name}" for name in ALERT_PERMISSIONS.get(role, ())
    }


def role_granting(permission: str) -> str | None:
    """The role that may do least among those granted `permission`; None: administrators only."""
    return next((role for role in ROLE_ORDER if permission in role_permissions(role)), None)


def user_role_label(user) -> str:
    """The role a user works in, as shown to them: their widest role, or Administrator."""
    if user.is_superuser:
        return str(ADMINISTRATOR)
    names = set(user.groups.values_list("name", flat=True))
    held = [role for role in ROLE_ORDER if role in names]
    return str(ROLE_LABELS[held[-1]]) if held else str(NO_ROLE)


def works_in_admin(user) -> bool:
    """Whether the user enters or reviews data (may add, change or delete anything).

    Viewers may open the admin to read, but they work on the dashboard.
    """
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return any(
        permission.split(".", 1)[1].startswith(("add_", "change_", "delete_"))
        for permission in user.get_all_permissions()
    )
