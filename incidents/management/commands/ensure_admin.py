"""`manage.py ensure_admin`: a superuser for a local demo, with a fresh random password."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create the superuser (default: admin) or, if it exists, make sure it is an active "
        "superuser; either way give it a new random password and print it. Meant for local "
        "demos: there is never a fixed default password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args: Any, username: str, email: str, **options: Any) -> None:
        user_model = get_user_model()
        # 24 random URL-safe characters: well past the 12 the password rules ask for.
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            user, created = user_model._default_manager.select_for_update().get_or_create(
                **{user_model.USERNAME_FIELD: username},
                defaults={"email": email},
            )
            user.is_active = True
            user.is_staff = True
            user.is_superuser = True
            user.set_password(password)
            user.save()
        if options["verbosity"] >= 1:
            action = "Created" if created else "Updated"
            self.stdout.write(f"{action} the superuser {username!r}.")
        # The password is the one line a caller needs; print it even at verbosity 0.
        self.stdout.write(f"{username} password: {password}")
