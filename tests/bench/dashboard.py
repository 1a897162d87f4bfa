"""Measuring the dashboard in a browser: the first load, a pan and a filter change.

Both dashboard benchmarks (100,000 attacks behind runserver-like gunicorn, and the
million-attack site) take their figures the same way, from the page's own
`window.trackerTimings`.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page

from tests.e2e.conftest import LAPTOP, log_in, wait_until

PAN = "window.trackerDashboard.map.panBy([250, 120])"
# Nine tenths of the map's width away and back, as a long drag: each leaves the area the
# layers hold (the viewport and a margin around it), so both ask the server again. (A jump
# of more than a screen makes Leaflet redraw every shape from scratch, a cost of the
# browser that no request changes.)
AWAY = "window.trackerDashboard.map.panBy([0.9 * window.trackerDashboard.map.getSize().x, 0])"
BACK = "window.trackerDashboard.map.panBy([-0.9 * window.trackerDashboard.map.getSize().x, 0])"
TOGGLE_VERIFIED = (
    "(() => { const box = document.querySelector("
    "'input[name=verification_status][value=verified]');"
    "box.checked = !box.checked;"
    "box.dispatchEvent(new Event('change', {bubbles: true})); })()"
)


def timings(page: Page) -> dict:
    return page.evaluate("window.trackerTimings")


def settle(page: Page) -> None:
    """Wait until the page has no request in flight (summary and timeline included)."""
    wait_until(page, "!window.trackerTimings.pending", timeout=60_000)


def redraw(page: Page, action: str) -> dict:
    """Run `action` in the settled page and wait until the map has drawn again."""
    settle(page)
    before = page.evaluate("window.trackerTimings.redraws.length")
    started = page.evaluate("performance.now()")
    page.evaluate(action)
    wait_until(page, f"window.trackerTimings.redraws.length > {before}", timeout=30_000)
    # A moveend right after a filter change may start a second draw; wait for quiet.
    page.wait_for_timeout(150)
    wait_until(
        page,
        "!document.querySelector('#map-status').classList.contains('is-loading')",
        timeout=30_000,
    )
    last = page.evaluate("window.trackerTimings.redraws.at(-1)")
    print(f"  {action[:50]}: {last['ms']:.0f} ms, layers done at {last['parts']}")
    print(f"    requests: {api_requests_since(page, started)}")
    return last


def api_requests_since(page: Page, started: float) -> str:
    """Where each API request's time went, from the browser's resource timing entries.

    For each request: the time until its first byte (queueing, connection and
    the server's work) and until its last byte, both from when it was issued.
    """
    entries = page.evaluate(
        """(started) => performance.getEntriesByType("resource")
            .filter((e) => e.startTime >= started && e.name.includes("/api/"))
            .map((e) => ({
                path: new URL(e.name).pathname.replace("/api/v1/", ""),
                first_byte: e.responseStart - e.startTime,
                done: e.responseEnd - e.startTime,
                kb: e.encodedBodySize / 1024,
            }))""",
        started,
    )
    return "; ".join(
        f"{e['path']} first byte {e['first_byte']:.0f} ms, done {e['done']:.0f} ms "
        f"({e['kb']:.0f} KiB)"
        for e in entries
    )


@dataclass
class Runs:
    """Each run's figures in milliseconds, by measure."""

    ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, measure: str, value: float) -> None:
        self.ms.setdefault(measure, []).append(value)

    def medians(self) -> dict[str, float]:
        return {measure: statistics.median(values) for measure, values in self.ms.items()}


def measure_dashboard(
    browser: Browser,
    site: str,
    *,
    runs: int,
    before_load: Callable[[], None] | None = None,
    more: Callable[[Page, Runs], str] | None = None,
) -> Runs:
    """Load the dashboard `runs` times as a viewer; each time pan, pan far enough that
    the layers ask for a new area (after `before_load`), then change a filter.

    `before_load` runs before each load (to empty a cache, say); `more` measures
    further steps in the same page and returns words for the run's line.
    """
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average before measuring: {load} ({os.cpu_count()} CPUs)")
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="UTC")
    log_in(context, site, "maria.viewer")
    page = context.new_page()
    figures = Runs()
    for run in range(runs):
        if before_load:
            before_load()
        page.goto(f"{site}/")
        page.wait_for_selector("html[data-map-ready]", timeout=120_000)
        settle(page)
        first = timings(page)
        figures.add("interactive", first["interactive"])
        figures.add("pan", redraw(page, PAN)["ms"])
        redraw(page, AWAY)
        if before_load:
            before_load()
        figures.add("far pan", redraw(page, BACK)["ms"])
        figures.add("filter", redraw(page, TOGGLE_VERIFIED)["ms"])
        extra = more(page, figures) if more else ""
        print(
            f"run {run + 1}: interactive {first['interactive']:.0f} ms "
            f"(summary {first.get('summaryAt', 0):.0f} ms, timeline "
            f"{first.get('timelineAt', 0):.0f} ms; {first['counts']} drawn first), "
            f"pan {figures.ms['pan'][-1]:.0f} ms, filter {figures.ms['filter'][-1]:.0f} ms, "
            f"far pan {figures.ms['far pan'][-1]:.0f} ms" + (f", {extra}" if extra else "")
        )
    context.close()
    print(
        f"medians of {runs} runs (ms): "
        + ", ".join(f"{measure} {value:.0f}" for measure, value in figures.medians().items())
    )
    return figures
