"""Checks that the lock files still match pyproject.toml.

`make lock` compiles requirements/lock.txt (what production runs) and
requirements/dev-lock.txt (that plus the development tools) from pyproject.toml,
with a hash for every file. `make` and the Dockerfile install only from them, so a
dependency added to pyproject.toml without regenerating the locks would silently
be missing. This script fails, naming each difference, when:

- a requirement of pyproject.toml (with the build system's) is not pinned in the
  lock file that should hold it, or its pin is outside the requirement's range;
- a lock file pins a package as a direct requirement of the project that
  pyproject.toml no longer asks for;
- the two lock files pin a package they share at different versions.

Usage: python scripts/check_lock.py [--root DIR]   (exit status 1 on a mismatch)
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path("requirements/lock.txt")
DEV_LOCK = Path("requirements/dev-lock.txt")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)")


@dataclass
class Pin:
    version: str
    via: list[str] = field(default_factory=list)


def read_lock(path: Path) -> dict[str, Pin]:
    """Package name -> its pinned version and the `# via` annotations pip-compile wrote."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = pins[canonicalize_name(match[1])] = Pin(version=match[2])
            continue
        if current is None or not line.startswith("    #"):
            continue
        comment = line.strip().removeprefix("#").strip()
        if comment.startswith("via "):
            comment = comment.removeprefix("via ").strip()
        if comment and comment != "via":
            current.via.append(comment)
    return pins


def _extra_requirements(requirement: Requirement) -> set[str]:
    """The packages an extra such as psycopg[binary] adds, from the installed metadata."""
    if not requirement.extras:
        return set()
    try:
        declared = importlib.metadata.requires(requirement.name) or []
    except importlib.metadata.PackageNotFoundError:
        return set()
    names = set()
    for line in declared:
        dependency = Requirement(line)
        marker = dependency.marker
        if marker and any(marker.evaluate({"extra": extra}) for extra in requirement.extras):
            names.add(canonicalize_name(dependency.name))
    return names


def lock_problems(
    *, lock_name: str, pins: dict[str, Pin], requirements: list[Requirement], project: str
) -> list[str]:
    problems = []
    wanted = {canonicalize_name(requirement.name) for requirement in requirements}
    allowed = set(wanted)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        allowed |= _extra_requirements(requirement)
        pin = pins.get(name)
        if pin is None:
            problems.append(f"{lock_name}: {requirement} is not locked")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(
                f"{lock_name}: {name}=={pin.version} is outside pyproject.toml's {requirement}"
            )
    direct = f"{project} (pyproject.toml)"
    for name, pin in sorted(pins.items()):
        if direct in pin.via and name not in allowed:
            problems.append(
                f"{lock_name}: {name} is locked but pyproject.toml no longer asks for it"
            )
    return problems


def check(root: Path) -> list[str]:
    """Every difference between pyproject.toml and the two lock files, as sentences."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    runtime = [Requirement(line) for line in project.get("dependencies", [])]
    build = [Requirement(line) for line in pyproject.get("build-system", {}).get("requires", [])]
    dev = [Requirement(line) for line in project.get("optional-dependencies", {}).get("dev", [])]
    locks = {LOCK: runtime + build, DEV_LOCK: runtime + dev + build}
    problems: list[str] = []
    pins: dict[Path, dict[str, Pin]] = {}
    for path, requirements in locks.items():
        if not (root / path).is_file():
            problems.append(f"{path} is missing")
            continue
        pins[path] = read_lock(root / path)
        problems += lock_problems(
            lock_name=str(path),
            pins=pins[path],
            requirements=requirements,
            project=canonicalize_name(project["name"]),
        )
    if len(pins) == 2:
        for name, pin in sorted(pins[LOCK].items()):
            dev_pin = pins[DEV_LOCK].get(name)
            if dev_pin is not None and dev_pin.version != pin.version:
                problems.append(
                    f"{name} is {pin.version} in {LOCK} but {dev_pin.version} in {DEV_LOCK}"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    problems = check(args.root)
    if not problems:
        return 0
    print("The lock files do not match pyproject.toml:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    print("Run `make lock` to regenerate them, then commit both.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
