"""Fixtures of the incidents tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.workers import Worker

# Short enough for the test, longer than a batch takes on a busy machine.
STALE_SECONDS = 5


@pytest.fixture
def import_worker(start_worker, settings, tmp_path) -> Callable[..., Worker]:
    """Import workers sharing this process's media directory; not started yet."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def make(*, env: dict[str, str] | None = None, include: str | None = None) -> Worker:
        return start_worker(
            "IMPORT_QUEUE",
            env={
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "IMPORT_STALE_SECONDS": str(STALE_SECONDS),
                **(env or {}),
            },
            include=include,
            start=False,
        )

    return make


@pytest.fixture
def worker(import_worker) -> Worker:
    return import_worker()
