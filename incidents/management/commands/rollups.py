"""`manage.py rollups --verify | --rebuild`: check or rebuild the daily rollups."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.rollups import maintenance, schema


class Command(BaseCommand):
    help = (
        "Check the daily rollups the statistics are answered from against the raw rows "
        "(--verify: prints each difference, exit status 1 when there is any), or rebuild "
        "them from the raw rows (--rebuild). Both grains: the live data and the published "
        "snapshots the public view reads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--verify", action="store_true", help="Recompute and print every difference."
        )
        action.add_argument(
            "--rebuild", action="store_true", help="Replace the rollups with recomputed ones."
        )

    def handle(self, *args: Any, verify: bool, rebuild: bool, **options: Any) -> None:
        if not maintenance.published_installed():
            raise CommandError("The published rollup tables do not exist yet: run migrate.")
        if rebuild:
            for grain in schema.GRAINS:
                started = time.monotonic()
                maintenance.rebuild(grain)
                self.stdout.write(
                    f"Rebuilt the {grain.name} rollups in {time.monotonic() - started:.1f} s."
                )
            return
        differences = [found for grain in schema.GRAINS for found in maintenance.verify(grain)]
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            self.stderr.write(
                self.style.ERROR(
                    f"{len(differences)} difference(s) between the rollups and the raw rows; "
                    "`manage.py rollups --rebuild` replaces them."
                )
            )
            sys.exit(1)
        self.stdout.write("The rollups match the raw rows (live and published).")
