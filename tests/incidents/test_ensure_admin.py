from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import RequestFactory


def ensure_admin(**options) -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out, verbosity=0, **options)
    return out.getvalue().strip()


def log_in(username: str, password: str) -> User | None:
    """Authenticate as the login form does, with the request the lockout needs."""
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="127.0.0.1")
    return authenticate(request, username=username, password=password)


def printed_password(output: str, username: str = "admin") -> str:
    prefix = f"{username} password: "
    assert output.startswith(prefix), output
    return output.removeprefix(prefix)


@pytest.mark.django_db
def test_it_creates_an_active_superuser_who_can_log_in_with_the_printed_password():
    password = printed_password(ensure_admin())

    user = log_in("admin", password)
    assert user is not None
    assert user.is_superuser and user.is_staff and user.is_active


@pytest.mark.django_db
def test_running_it_again_keeps_one_user_and_invalidates_the_old_password():
    first = printed_password(ensure_admin())
    second = printed_password(ensure_admin())

    assert first != second
    assert User.objects.filter(username="admin").count() == 1
    assert log_in("admin", first) is None
    assert log_in("admin", second) is not None


@pytest.mark.django_db
def test_it_restores_superuser_rights_to_an_existing_demoted_account():
    User.objects.create_user(username="chief", password="an old password", is_active=False)

    password = printed_password(ensure_admin(username="chief"), username="chief")

    chief = User.objects.get(username="chief")
    assert chief.is_superuser and chief.is_staff and chief.is_active
    assert chief.check_password(password)


@pytest.mark.django_db
def test_the_printed_password_passes_the_password_rules():
    password = printed_password(ensure_admin())

    assert len(password) >= 20
    validate_password(password, User.objects.get(username="admin"))
