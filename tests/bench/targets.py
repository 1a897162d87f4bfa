"""The benchmarks' targets, in one place: each bench prints its figures against them and fails
when one is missed.

A target is a bound on one figure: `at_most` for times and ratios where less is better,
`at_least` for speeds and speed-ups.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    figure: str
    at_most: float | None = None
    at_least: float | None = None

    def describe(self) -> str:
        return f"≤ {self.at_most:g}" if self.at_most is not None else f"≥ {self.at_least:g}"

    def met_by(self, value: float) -> bool:
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)


# The map endpoint: at most 1.5 times the bare SQL, at least 20 times faster than a
# plain djangorestframework-gis list view (tests/bench/test_map_bench.py).
MAP_ENDPOINT_OVER_FLOOR = Target("endpoint/floor", at_most=1.5)
MAP_DRF_GIS_OVER_ENDPOINT = Target("drf_gis/endpoint", at_least=20)

# The map page with 100,000 attacks, by the browser's clock (test_dashboard_bench.py).
DASHBOARD_INTERACTIVE_MS = Target("interactive_ms", at_most=2000)
DASHBOARD_PAN_MS = Target("pan_ms", at_most=1000)
# A pan into an area the layers do not hold yet: both ask the server again.
DASHBOARD_FAR_PAN_MS = Target("far_pan_ms", at_most=1000)
DASHBOARD_FILTER_MS = Target("filter_ms", at_most=1000)
DASHBOARD_ZOOM_MS = Target("zoom_ms", at_most=1000)

# A million attacks and 5,000 facilities (test_scale_bench.py): every statistics endpoint,
# unfiltered and filtered by date, region and weapon; the search; any map layer, any
# viewport and zoom, and every one of those requests answered; the dashboard; 50 users.
SCALE_STATS_MS = Target("stats_ms", at_most=200)
SCALE_SEARCH_MS = Target("search_ms", at_most=200)
SCALE_LAYER_MS = Target("layer_ms", at_most=300)
SCALE_LAYER_BYTES = Target("layer_bytes", at_most=1_000_000)
SCALE_ANSWERED = Target("answered_200", at_least=1)
SCALE_DASHBOARD_PAN_MS = Target("pan_ms", at_most=500)
# The same with the response cache emptied: the whole country's clusters are counted
# again (the pan target is for SCALE_DASHBOARD_PAN_MS; this is the general one).
SCALE_DASHBOARD_FAR_PAN_MS = Target("far_pan_ms", at_most=DASHBOARD_FAR_PAN_MS.at_most)
LOAD_P95_MS = Target("p95_ms", at_most=300)
LOAD_FAILURES = Target("failures", at_most=0)

# Import throughput (test_import_bench.py).
ACLED_ROWS_PER_S = Target("acled_rows_per_s", at_least=1000)
MISSILE_ROWS_PER_S = Target("missile_rows_per_s", at_least=1000)


def check(*measured: tuple[Target, float]) -> None:
    """Print each figure beside its target, then fail naming every target missed.

    All figures are printed before any assertion, so a failed run still shows them all.
    """
    for target, value in measured:
        verdict = "ok" if target.met_by(value) else "MISSED"
        print(f"  {target.figure}={value:,.2f} (target {target.describe()}) {verdict}")
    missed = [
        f"{target.figure}={value:,.2f}, target {target.describe()}"
        for target, value in measured
        if not target.met_by(value)
    ]
    assert not missed, "benchmark targets missed: " + "; ".join(missed)
