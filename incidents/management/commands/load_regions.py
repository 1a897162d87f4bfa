"""`manage.py load_regions [PATH]`: Ukraine's first-level units and their boundaries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import regions


class Command(BaseCommand):
    help = (
        "Create or update the regions (ISO 3166-2 units) from a GeoJSON FeatureCollection. "
        "Without PATH: REGIONS_GEOJSON if set, else a download from REGIONS_DOWNLOAD_URL, "
        "else the built-in table of Ukraine's 27 units without boundaries. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="A GeoJSON FeatureCollection with one feature per unit."
        )
        parser.add_argument(
            "--no-download",
            action="store_true",
            help="Without PATH or REGIONS_GEOJSON, use the built-in table instead of downloading.",
        )

    def handle(self, *args: Any, path: str | None = None, **options: Any) -> None:
        try:
            outcome = regions.load_regions(
                path=path,
                geojson_setting=settings.REGIONS_GEOJSON,
                download_url="" if options["no_download"] else settings.REGIONS_DOWNLOAD_URL,
                timeout=settings.REGIONS_DOWNLOAD_TIMEOUT,
                user=None,
            )
        except regions.RegionSourceError as exc:
            raise CommandError(str(exc)) from exc
        report(self, outcome, verbosity=options["verbosity"])


def report(command: BaseCommand, outcome: regions.RegionLoad, *, verbosity: int = 1) -> None:
    """Print warnings, the fallback and the summary; shared with `load_demo`."""
    result = outcome.result
    for warning in result.warnings:
        command.stderr.write(command.style.WARNING(warning))
    if outcome.fallback_reason:
        command.stderr.write(
            command.style.WARNING(
                f"Region boundaries were not loaded. {outcome.fallback_reason} "
                f"Loaded Ukraine's {len(regions.UKRAINE_UNITS)} units from the built-in "
                "table instead (boundaries already stored are kept)."
            )
        )
    if result.with_boundary == 0:
        command.stderr.write(command.style.WARNING(regions.NO_BOUNDARIES_CONSEQUENCE))
    if verbosity >= 1:
        command.stdout.write(
            f"Regions from {outcome.origin}: {result.summary()} "
            f"({result.with_boundary} with a boundary)."
        )
