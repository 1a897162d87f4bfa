"""The app served as in production, for browser tests and benchmarks.

gunicorn in its own processes with DEBUG off, the static files collected by the
production storage (hashed names, ES module imports rewritten) and served by
WhiteNoise, all reading the test database. A server thread inside the test process
would share its interpreter lock with the browser driver and the test.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import REPO, database_url

SERVER_START_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(tmp: Path) -> dict[str, str]:
    """A production configuration, pointed at the benchmark's database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        # Only the test database: never a replica named in the developer's .env.
        "DATABASE_REPLICA_URL": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": str(tmp / "static"),
        # Base tiles from a local port nobody listens on: refused at once, with no
        # network. Refusing them in the browser instead (Playwright's request
        # routing) intercepts every request, the page's own included, and held
        # each API call back by up to a second before it was even sent.
        "MAP_TILES_URL": f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png",
        # One web process's page load must not be slowed by another's log lines.
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def gunicorn_server(tmp: Path, workers: int = 2) -> Iterator[str]:
    """Collect the static files, start gunicorn and yield its URL once it answers.

    The server is stopped on the way out, whatever happened in between.
    """
    env = server_environment(tmp)
    url = f"http://127.0.0.1:{free_port()}"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    log_path = tmp / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "infra_tracker.wsgi"]
    command += ["--workers", str(workers), "--bind", url.removeprefix("http://")]
    with log_path.open("wb") as log:
        # Every argument is built here from constants and a free port.
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        wait_until_answering(server, url, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        wait_until_sessions_closed()


def wait_until_sessions_closed(timeout_s: float = 15) -> None:
    """Wait for PostgreSQL to end the server's sessions, so the test database can be dropped.

    A backend ends a moment after its client process: dropping the database at
    the end of the run would otherwise fail with "being accessed by other users".
    """
    deadline = time.monotonic() + timeout_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def wait_until_answering(server: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = log_path.read_text(errors="replace")[-4000:]
            pytest.fail(f"gunicorn exited with status {server.returncode}:\n{log}")
        try:
            # An http:// URL built above, never one from input.
            with urllib.request.urlopen(f"{url}/admin/login/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    log = log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"gunicorn did not answer within {SERVER_START_S} s:\n{log}")
