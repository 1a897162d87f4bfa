"""`manage.py load_demo`: the February 4, 2026 strike in full, plus illustrative data."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import demo, regions
from incidents.management.commands.load_regions import report
from incidents.models import Region


class Command(BaseCommand):
    help = (
        "Load the demo data set: every fact of the February 4, 2026 report on the strike on "
        "the Darnytsia heating plant, published, and clearly marked illustrative data for the "
        "map and charts, in every publication state (never public). Safe to run again: "
        "nothing is duplicated, unchanged rows are not written and states are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--regions",
            metavar="PATH",
            help="GeoJSON to load the regions from when none exist yet "
            "(default: REGIONS_GEOJSON, else the built-in table without boundaries).",
        )
        parser.add_argument(
            "--no-illustrative",
            action="store_true",
            help="Load only the February 4 case, without the illustrative data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        started = time.monotonic()
        if not Region.objects.exists():
            try:
                # No download here: a demo should load the same way offline.
                outcome = regions.load_regions(
                    path=options["regions"], geojson_setting=settings.REGIONS_GEOJSON, user=None
                )
            except regions.RegionSourceError as exc:
                raise CommandError(str(exc)) from exc
            report(self, outcome, verbosity=verbosity)
        try:
            result = demo.load_demo(illustrative=not options["no_illustrative"])
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            for line in result.lines():
                self.stdout.write(line)
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s.")
            )
