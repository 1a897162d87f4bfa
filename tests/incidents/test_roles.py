"""Each role holds exactly the permissions it is meant to, on every model."""

from __future__ import annotations

import pytest

from tests.incidents.admin_helpers import MODELS

# Written out by hand so that a change to roles.py has to be made here as well.
EXPECTED = {
    "analyst": {"view", "add", "change"},
    "reviewer": {"view", "add", "change", "delete"},
    "viewer": {"view"},
}


@pytest.mark.parametrize("action", ["view", "add", "change", "delete"])
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ["analyst", "reviewer", "viewer"])
def test_a_role_has_exactly_its_model_permissions(request, role, model, action):
    user = request.getfixturevalue(role)

    allowed = user.has_perm(f"incidents.{action}_{model}")

    assert allowed is (action in EXPECTED[role])


@pytest.mark.parametrize(
    ("role", "can_verify"), [("analyst", False), ("reviewer", True), ("viewer", False)]
)
def test_only_reviewers_may_verify_attacks(request, role, can_verify):
    user = request.getfixturevalue(role)

    assert user.has_perm("incidents.verify_attack") is can_verify
