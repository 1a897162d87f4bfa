"""The lock files: they match pyproject.toml, and a change that makes them stale is caught."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "scripts" / "check_lock.py"
LOCK = "requirements/lock.txt"
DEV_LOCK = "requirements/dev-lock.txt"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (fixed arguments)
        [sys.executable, str(CHECK), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of pyproject.toml and the lock files to change."""
    (tmp_path / "requirements").mkdir()
    for name in ("pyproject.toml", LOCK, DEV_LOCK):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_committed_lock_files_match_pyproject():
    result = _check(REPO)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lock", [LOCK, DEV_LOCK])
def test_every_locked_package_is_pinned_with_hashes(lock):
    text = (REPO / lock).read_text()
    hashed_pin = r"^([a-z0-9][a-z0-9._-]*)==\S+ \\\n((?:    --hash=sha256:[0-9a-f]{64}.*\n)+)"
    pins = re.findall(hashed_pin, text, re.M)
    requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(pins) == len(requirement_lines) > 10
    # Django, the build system and the database driver are all there, hashed.
    assert {"django", "setuptools", "psycopg", "psycopg-binary"} <= {name for name, _ in pins}
    # The file names no index or local path: it installs the same anywhere.
    assert "--index-url" not in text and "--find-links" not in text


def test_a_dependency_added_to_pyproject_but_not_locked_is_named(checkout):
    pyproject = checkout / "pyproject.toml"
    _edit(pyproject, '"ijson>=3.3,<4",', '"ijson>=3.3,<4",\n    "humanize>=4,<5",')
    result = _check(checkout)
    assert result.returncode == 1
    assert f"{LOCK}: humanize<5,>=4 is not locked" in result.stderr
    assert f"{DEV_LOCK}: humanize<5,>=4 is not locked" in result.stderr
    assert "Run `make lock`" in result.stderr


def test_a_range_the_locked_version_falls_outside_is_named(checkout):
    _edit(checkout / "pyproject.toml", '"Django>=5.2,<5.3"', '"Django>=6.0,<6.1"')
    result = _check(checkout)
    assert result.returncode == 1
    assert re.search(r"requirements/lock.txt: django==5\.2\.\d+ is outside", result.stderr)


def test_a_dependency_removed_from_pyproject_but_still_locked_is_named(checkout):
    _edit(checkout / "pyproject.toml", '    "ijson>=3.3,<4",\n', "")
    result = _check(checkout)
    assert result.returncode == 1
    assert f"{LOCK}: ijson is locked but pyproject.toml no longer asks for it" in result.stderr


def test_a_development_tool_added_only_to_the_dev_extra_is_named_for_the_dev_lock(checkout):
    _edit(checkout / "pyproject.toml", '"pyyaml>=6,<7",', '"pyyaml>=6,<7",\n    "coverage>=7,<8",')
    result = _check(checkout)
    assert result.returncode == 1
    assert f"{DEV_LOCK}: coverage<8,>=7 is not locked" in result.stderr
    assert f"{LOCK}:" not in result.stderr


def test_the_two_lock_files_must_agree_on_what_they_share(checkout):
    lock = checkout / LOCK
    version = re.search(r"^whitenoise==(\S+) ", lock.read_text(), re.M)[1]
    _edit(lock, f"whitenoise=={version} ", "whitenoise==6.7.0 ")
    result = _check(checkout)
    assert result.returncode == 1
    assert f"whitenoise is 6.7.0 in {LOCK} but {version} in {DEV_LOCK}" in result.stderr


def test_make_and_the_image_install_only_from_the_hashed_locks():
    makefile = (REPO / "Makefile").read_text()
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "install --require-hashes --requirement $(DEV_LOCK)" in makefile
    assert "install --no-deps --no-build-isolation --editable ." in makefile
    assert "pip install --require-hashes --requirement requirements/lock.txt" in dockerfile
    assert "pip install --no-deps --no-build-isolation --editable ." in dockerfile
    # No other pip install in the image could bring in an unlocked package.
    assert len(re.findall(r"pip install", dockerfile)) == 2
