"""Fixtures the benchmarks share.

The browser is imported here once: two test modules importing the session fixture each
would define it twice, and the second would start Playwright while the first still runs.
"""

from tests.e2e.conftest import browser  # noqa: F401 - the fixture is used by name.
