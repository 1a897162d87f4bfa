"""The three roles, as Django groups with model permissions.

- analyst: views, adds and changes every incident record;
- reviewer: also deletes, may mark attacks verified or disputed, and publishes;
- viewer: reads only.
"""

from django.contrib.auth.models import Group, Permission

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
