"""Logins: locked per account and per address after repeated failures, logged, long passwords."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from incidents.logins import client_address
from tests.conftest import REPO

RIGHT = "correct horse battery"
WRONG = "incorrect horse battery"
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


def log_in(username: str, password: str, address: str = HOME, **headers: str):
    """One login through the admin's login form, from a browser of its own."""
    return Client().post(
        f"{reverse('admin:login')}?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def succeeded(response) -> bool:
    # Each role lands where it works: the admin, or the dashboard for a viewer.
    return response.status_code == 302 and response.url in ("/admin/", "/")


def refused_as_locked(response) -> bool:
    return response.status_code == 429 and "Login locked" in response.content.decode()


def fail(times: int, username: str, address: str = HOME, **headers: str) -> None:
    for _ in range(times):
        response = log_in(username, WRONG, address, **headers)
        assert not succeeded(response)


def move_clock(minutes: int) -> None:
    """As if the failures recorded so far happened `minutes` earlier."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


@pytest.fixture
def small_limit(settings) -> int:
    """Three failures lock: the rules are the same, the tests hash fewer passwords."""
    settings.AXES_FAILURE_LIMIT = 3
    return 3


# --------------------------------------------------------------------------- the lock


def test_after_ten_failures_the_right_password_is_refused_too(analyst, settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    fail(9, analyst.username)
    assert succeeded(log_in(analyst.username, RIGHT, ELSEWHERE))  # nine do not lock...
    fail(9, analyst.username)
    assert refused_as_locked(log_in(analyst.username, WRONG))  # ...the tenth does

    response = log_in(analyst.username, RIGHT)

    assert refused_as_locked(response)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_failures_below_the_limit_do_not_lock_and_a_success_clears_them(analyst, small_limit):
    fail(small_limit - 1, analyst.username)
    assert succeeded(log_in(analyst.username, RIGHT))

    fail(small_limit - 1, analyst.username)

    assert succeeded(log_in(analyst.username, RIGHT))


def test_the_lock_holds_until_the_cool_off_has_passed(analyst, small_limit, settings):
    fail(small_limit, analyst.username)
    move_clock(14)
    assert refused_as_locked(log_in(analyst.username, RIGHT))

    move_clock(2)

    assert succeeded(log_in(analyst.username, RIGHT))


def test_attempts_during_the_lock_do_not_extend_it(analyst, small_limit):
    fail(small_limit, analyst.username)
    move_clock(10)
    assert refused_as_locked(log_in(analyst.username, WRONG))

    move_clock(6)

    assert succeeded(log_in(analyst.username, RIGHT))


def test_an_administrator_unlocks_the_account_with_the_command(analyst, small_limit):
    fail(small_limit, analyst.username)

    call_command("axes_reset_username", analyst.username, stdout=StringIO())

    assert succeeded(log_in(analyst.username, RIGHT))


def test_an_administrator_unlocks_the_account_in_the_admin(client, analyst, superuser, small_limit):
    fail(small_limit, analyst.username)
    client.force_login(superuser)
    attempts = list(AccessAttempt.objects.filter(username=analyst.username))

    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )

    assert response.status_code == 302
    assert succeeded(log_in(analyst.username, RIGHT))


def test_a_locked_account_stays_locked_from_every_address(analyst, small_limit):
    fail(small_limit, analyst.username)

    assert refused_as_locked(log_in(analyst.username, RIGHT, ELSEWHERE))


@pytest.mark.parametrize("role", ["reviewer", "viewer", "superuser"])
def test_a_locked_account_does_not_lock_another_user_from_another_address(
    request, analyst, small_limit, role
):
    other = request.getfixturevalue(role)
    fail(small_limit, analyst.username)

    assert succeeded(log_in(other.username, RIGHT, ELSEWHERE))


def test_an_address_lock_applies_to_every_username_tried_from_it(reviewer, small_limit):
    for n in range(small_limit):
        fail(1, f"guess{n}")

    response = log_in(reviewer.username, RIGHT)

    assert refused_as_locked(response)
    assert HOME in response.content.decode()
    assert succeeded(log_in(reviewer.username, RIGHT, ELSEWHERE))


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_lock(reviewer, small_limit):
    for n in range(small_limit):
        fail(1, f"guess{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = log_in(reviewer.username, RIGHT, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert refused_as_locked(response)


def test_behind_a_proxy_the_address_the_proxy_saw_is_locked(reviewer, small_limit, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.5"
    for n in range(small_limit):
        # The client forges an entry; the proxy appends the address it really saw.
        fail(1, f"guess{n}", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {HOME}")

    locked = log_in(reviewer.username, RIGHT, proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {HOME}")
    elsewhere = log_in(reviewer.username, RIGHT, proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)

    assert refused_as_locked(locked)
    assert succeeded(elsewhere)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, HOME),
        (0, "192.0.2.1", HOME),
        (1, "192.0.2.1, 198.51.100.20", "198.51.100.20"),
        (2, "192.0.2.1, 198.51.100.20", "192.0.2.1"),
        (3, "198.51.100.20", "198.51.100.20"),
        (1, "not-an-address", HOME),
        (1, "", HOME),
    ],
)
def test_the_client_address_follows_num_proxies(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR=HOME, **headers)

    assert client_address(request) == expected


# --------------------------------------------------------------------------- what people see


def test_the_lockout_page_is_a_site_page_saying_what_is_locked_for_how_long_and_who_unlocks(
    analyst, small_limit
):
    # From several addresses, so that only the account is locked.
    for n in range(small_limit):
        fail(1, analyst.username, f"192.0.2.{n}")

    response = log_in(analyst.username, RIGHT)

    page = response.content.decode()
    assert response.status_code == 429
    assert 'class="site-header"' in page
    assert f"The account <strong>{analyst.username}</strong> is locked" in page
    assert "after 3 failed login attempts within 15 minutes" in page
    assert "15 minutes" in page
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    assert "An administrator can unlock it" in page
    assert f"manage.py axes_reset_username {analyst.username}" in page
    assert "address" not in page.split("<h1", 1)[1].split("An administrator")[0]


def test_the_lockout_page_says_when_both_account_and_address_are_locked(analyst, small_limit):
    fail(small_limit, analyst.username)

    page = log_in(analyst.username, RIGHT).content.decode()

    assert f"The account <strong>{analyst.username}</strong> and logins from your address" in page


def test_the_lockout_page_names_the_address_when_the_address_is_locked(db, small_limit):
    for n in range(small_limit):
        fail(1, f"guess{n}")

    page = log_in("guess-last", RIGHT).content.decode()

    assert f"Logins from your address (<code>{HOME}</code>) are locked" in page
    assert f"manage.py axes_reset_ip {HOME}" in page


def test_failed_logins_are_logged_with_username_and_address_but_not_the_password(analyst, caplog):
    with caplog.at_level(logging.WARNING, logger="incidents.logins"):
        log_in(analyst.username, "Secret-guess-123")

    failures = [r for r in caplog.records if r.name == "incidents.logins"]
    assert [r.levelno for r in failures] == [logging.WARNING]
    assert failures[0].getMessage() == f"Failed login for username '{analyst.username}' from {HOME}"
    assert "Secret-guess-123" not in caplog.text


def test_a_lockout_is_logged(analyst, small_limit, caplog):
    with caplog.at_level(logging.WARNING, logger="incidents.logins"):
        fail(small_limit, analyst.username)

    assert any("locked out" in r.getMessage() for r in caplog.records)


def test_the_lock_settings_come_from_the_environment():
    env = os.environ | {
        "LOGIN_FAILURE_LIMIT": "5",
        "LOGIN_LOCKOUT_MINUTES": "30",
        "NUM_PROXIES": "1",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.NUM_PROXIES)"
    )

    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env | {"DJANGO_SETTINGS_MODULE": "infra_tracker.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert out.split() == ["5", "1800.0", "1"]


# --------------------------------------------------------------------------- passwords


SHORT = "Darnytsia-1"  # 11 characters
LONG_ENOUGH = "Darnytsia-CHP"  # 13 characters


def test_an_administrator_cannot_give_a_user_a_short_password(client, superuser, analyst):
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[analyst.pk])

    refused = client.post(url, {"password1": SHORT, "password2": SHORT})
    accepted = client.post(url, {"password1": LONG_ENOUGH, "password2": LONG_ENOUGH})

    assert refused.status_code == 200
    assert "at least 12 characters" in refused.content.decode()
    assert accepted.status_code == 302
    analyst.refresh_from_db()
    assert analyst.check_password(LONG_ENOUGH)


def test_a_new_user_cannot_get_a_short_password(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:auth_user_add")
    form = {"username": "oksana.analyst", "usable_password": "true"}

    refused = client.post(url, form | {"password1": SHORT, "password2": SHORT})
    accepted = client.post(url, form | {"password1": LONG_ENOUGH, "password2": LONG_ENOUGH})

    assert "at least 12 characters" in refused.content.decode()
    assert accepted.status_code == 302
    assert User.objects.get(username="oksana.analyst").check_password(LONG_ENOUGH)


def test_users_cannot_change_their_own_password_to_a_short_one(client, analyst):
    client.force_login(analyst)

    response = client.post(
        reverse("admin:password_change"),
        {"old_password": RIGHT, "new_password1": SHORT, "new_password2": SHORT},
    )

    assert "at least 12 characters" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(RIGHT)
