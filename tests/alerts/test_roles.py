"""What each role may do with alerts, and that migrate repairs groups that drifted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from alerts.roles import ALERT_PERMISSIONS, grant_alert_permissions

ENDPOINT_PERMISSIONS = [
    f"alerts.{action}_webhookendpoint" for action in ("view", "add", "change", "delete")
]


@pytest.mark.parametrize("role", ["analyst", "reviewer", "viewer"])
def test_no_role_holds_any_webhook_endpoint_permission(request, role):
    user = request.getfixturevalue(role)

    assert [perm for perm in ENDPOINT_PERMISSIONS if user.has_perm(perm)] == []


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_rule_editors_keep_their_alert_rule_permissions(request, role):
    user = request.getfixturevalue(role)

    assert user.has_perm("alerts.add_alertrule")
    assert user.has_perm("alerts.change_alertrule")
    assert user.has_perm("alerts.view_delivery")


def test_a_viewer_holds_no_alerts_permission(viewer):
    assert not any(perm.startswith("alerts.") for perm in viewer.get_all_permissions())


def test_granting_again_removes_permissions_a_role_must_not_have(db):
    analyst = Group.objects.get(name="analyst")
    viewer = Group.objects.get(name="viewer")
    leaked = Permission.objects.get(
        content_type__app_label="alerts", codename="view_webhookendpoint"
    )
    unrelated = Permission.objects.get(content_type__app_label="auth", codename="view_user")
    analyst.permissions.add(leaked, unrelated)
    viewer.permissions.add(leaked)

    grant_alert_permissions()

    analyst_alerts = set(
        analyst.permissions.filter(content_type__app_label="alerts").values_list(
            "codename", flat=True
        )
    )
    assert analyst_alerts == set(ALERT_PERMISSIONS["analyst"])
    assert unrelated in analyst.permissions.all()
    assert not viewer.permissions.filter(content_type__app_label="alerts").exists()
