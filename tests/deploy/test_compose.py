"""docker-compose.yml and the Caddyfile, read as files: what is published, who connects as whom.

Docker is not needed: the compose file is loaded with PyYAML and its
${VARIABLE} references are resolved here the way docker compose resolves them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
# What an operator must set; everything else has a default.
REQUIRED = {"SECRET_KEY": "k", "POSTGRES_PASSWORD": "superuser-pw", "APP_DB_PASSWORD": "app-pw"}

_REFERENCE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def resolve(value: str, env: Mapping[str, str]) -> str:
    """A value with its ${NAME}, ${NAME:-default} and ${NAME:?message} resolved from env."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        if op in (":?", "?") and not current:
            raise KeyError(f"{name} is required: {arg}")
        if op == ":-" and not current:
            return arg
        if op == "-" and current is None:
            return arg
        return current or ""

    return _REFERENCE.sub(replace, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def environment(service: dict, env: Mapping[str, str] | None = None) -> dict[str, str]:
    values = {**REQUIRED, **(env or {})}
    return {name: resolve(str(value), values) for name, value in service["environment"].items()}


def caddy_directives() -> list[list[str]]:
    """The Caddyfile's lines without comments, split into words."""
    lines = (REPO / "deploy" / "Caddyfile").read_text().splitlines()
    return [line.split("#", 1)[0].split() for line in lines if line.split("#", 1)[0].strip()]


def test_only_the_proxy_publishes_ports(services):
    published = {name: service["ports"] for name, service in services.items() if "ports" in service}
    assert list(published) == ["proxy"]
    ports = [resolve(port, {}) for port in published["proxy"]]
    assert ports == ["80:80", "443:443", "443:443/udp"]
    custom = {"PROXY_HTTP_PORT": "8080", "PROXY_HTTPS_PORT": "8443"}
    assert [resolve(port, custom) for port in published["proxy"]][:2] == ["8080:80", "8443:443"]


def test_web_is_not_published_and_listens_for_the_proxy_on_8000(services):
    web = services["web"]
    assert "ports" not in web
    assert web["command"][web["command"].index("--bind") + 1] == "0.0.0.0:8000"
    assert web["expose"] == ["8000"]


def test_the_proxy_forwards_to_web_and_reaches_nothing_else(services):
    proxy = services["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    directives = caddy_directives()
    assert ["reverse_proxy", "{"] in directives
    assert ["dynamic", "a", "web", "8000", "{"] in directives
    assert set(proxy["networks"]) & set(services["web"]["networks"]) == {"frontend"}
    for name in ("db", "redis", "worker", "worker-scale", "beat", "migrate"):
        assert "frontend" not in services[name]["networks"], name
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_serves_site_domain_with_automatic_https_and_keeps_its_certificates(services):
    proxy = services["proxy"]
    directives = caddy_directives()
    # The site address is SITE_DOMAIN: Caddy gets a certificate for a domain name,
    # and serves localhost with its local authority.
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text()
    top_level_blocks = re.findall(r"^(?!\s)(.*)\{$", caddyfile, re.M)
    assert top_level_blocks == ["", "{$SITE_DOMAIN:localhost} "]  # Global options, the site.
    assert environment(proxy)["SITE_DOMAIN"] == "localhost"
    assert environment(proxy, {"SITE_DOMAIN": "tracker.example.org"})["SITE_DOMAIN"] == (
        "tracker.example.org"
    )
    assert "caddy_data:/data" in proxy["volumes"]
    # No trusted_proxies: X-Forwarded-* headers a client sends are replaced, not kept.
    assert not any("trusted_proxies" in words for words in directives)


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([KMG]i?B)", size).groups()
    base = 1024 if "i" in unit else 1000
    return int(number) * base ** "KMG".index(unit[0]) * base


def test_the_proxy_accepts_a_body_a_little_above_the_import_limit(services):
    assert ["max_size", "{$PROXY_MAX_BODY:220MB}"] in caddy_directives()
    limit = _bytes(environment(services["proxy"])["PROXY_MAX_BODY"])
    import_limit = getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024)
    assert import_limit < limit < import_limit * 1.2


def test_web_trusts_exactly_one_proxy(services):
    web = environment(services["web"])
    assert web["TRUSTED_PROXY"] == "true"
    assert web["NUM_PROXIES"] == "1"


@pytest.mark.parametrize(
    "env",
    [{}, {"POSTGRES_USER": "pg_admin", "APP_DB_USER": "tracker_app"}],
    ids=["defaults", "custom names"],
)
def test_the_app_connects_as_its_own_role_never_as_the_superuser(services, env):
    db = environment(services["db"], env)
    superuser = db["POSTGRES_USER"]
    for name in APP_SERVICES:
        url = urlsplit(environment(services[name], env)["DATABASE_URL"])
        assert url.username != superuser, name
        assert (url.username, url.password) == (db["APP_DB_USER"], db["APP_DB_PASSWORD"]), name
        assert (url.hostname, url.path) == ("db", f"/{db['APP_DB_NAME']}"), name
        assert superuser not in environment(services[name], env).values(), name
        assert "POSTGRES_PASSWORD" not in services[name]["environment"], name


def test_the_database_runs_the_script_that_creates_the_app_role_on_first_start(services):
    script = REPO / "deploy" / "postgres" / "20-app-database.sh"
    mount = f"./{script.relative_to(REPO)}:/docker-entrypoint-initdb.d/{script.name}:ro"
    assert mount in services["db"]["volumes"]
    assert script.stat().st_mode & 0o111, "the script must be executable"
    # The health check passes only once that database exists and answers over TCP.
    assert "-h 127.0.0.1" in services["db"]["healthcheck"]["test"][1]


@pytest.mark.parametrize(
    ("domain", "host"), [(None, "localhost"), ("tracker.example.org", "tracker.example.org")]
)
def test_the_apps_host_names_follow_site_domain(services, domain, host):
    env = {"SITE_DOMAIN": domain} if domain else {}
    for name in APP_SERVICES:
        app = environment(services[name], env)
        assert app["ALLOWED_HOSTS"] == host
        assert app["CSRF_TRUSTED_ORIGINS"] == f"https://{host}"
        assert app["SITE_URL"] == f"https://{host}"


def test_the_secrets_are_required_and_have_no_default(services):
    for variable in REQUIRED:
        service = services["db"] if "PASSWORD" in variable else services["web"]
        with pytest.raises(KeyError, match=variable):
            environment(service, {variable: ""})


def test_every_variable_the_compose_file_reads_is_in_env_example():
    compose_text = (REPO / "docker-compose.yml").read_text()
    example = (REPO / ".env.example").read_text()
    variables = {match["name"] for match in _REFERENCE.finditer(compose_text) if match["name"]}
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example, re.M))
    assert variables - documented == set()


def container_environment(service: dict, dotenv: Mapping[str, str]) -> dict[str, str]:
    """What a container sees: its env_file (.env), overridden by its `environment` lines."""
    assert service["env_file"] == ".env"
    return {**dotenv, **environment(service, dotenv)}


def settings_read_from_the_environment() -> set[str]:
    text = (REPO / "infra_tracker" / "settings.py").read_text()
    return set(re.findall(r"\benv_\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", text))


def test_every_setting_in_env_reaches_the_app_containers(services):
    names = settings_read_from_the_environment()
    assert {"SITE_NAME", "ALERTS_MAX_ATTEMPTS", "API_THROTTLE_USER", "IMPORT_QUEUE"} <= names
    dotenv = {**REQUIRED, **{name: f"from-dotenv-{name}" for name in names}}
    for name in APP_SERVICES:
        seen = container_environment(services[name], dotenv)
        assert names - set(seen) == set(), name
        assert seen["ALERTS_MAX_ATTEMPTS"] == "from-dotenv-ALERTS_MAX_ATTEMPTS", name
        assert seen["PUBLIC_READ"] == "from-dotenv-PUBLIC_READ", name


def test_compose_overrides_only_what_differs_in_the_containers(services):
    """A development .env (DEBUG, a local database) must not leak into the containers."""
    dotenv = {
        **REQUIRED,
        "DEBUG": "true",
        "DATABASE_URL": "postgis://me@127.0.0.1:5432/dev",
        "STATIC_ROOT": "/home/me/static",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    for name in APP_SERVICES:
        seen = container_environment(services[name], dotenv)
        assert seen["DEBUG"] == "false"
        assert urlsplit(seen["DATABASE_URL"]).hostname == "db"
        assert seen["STATIC_ROOT"] == "/app/staticfiles"
        assert seen["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # Copying a variable through unchanged would only repeat what env_file does.
    for variable, value in services["web"]["environment"].items():
        assert str(value) not in (f"${{{variable}:-}}", f"${{{variable}}}"), variable


@pytest.mark.parametrize(
    ("env", "web", "workers"),
    [({}, 2, 2), ({"SCALE_WEB_REPLICAS": "6", "SCALE_WORKER_REPLICAS": "4"}, 6, 4)],
    ids=["defaults", "custom"],
)
def test_the_scale_profile_adds_web_and_worker_containers(services, env, web, workers):
    added = {"web-scale": ("web", web), "worker-scale": ("worker", workers)}
    for name, (like, replicas) in added.items():
        service = services[name]
        assert service["profiles"] == ["scale"], name
        assert int(resolve(str(service["deploy"]["replicas"]), env)) == replicas, name
        # The same program and settings as the one they add to.
        for key in ("image", "command", "env_file", "volumes", "depends_on"):
            assert service.get(key) == services[like].get(key), (name, key)
        assert environment(service, env) == environment(services[like], env), name
        assert "ports" not in service, name
    # Without the profile there is one of each, and one scheduler in any case.
    for name in ("web", "worker", "beat", "proxy", "db", "redis", "migrate"):
        assert "profiles" not in services[name] and "deploy" not in services[name], name


def test_the_proxy_balances_over_every_web_container(services):
    # The added web containers answer to `web` on the frontend network, which is
    # the name the proxy looks up; they reach the database on the backend network.
    scaled = services["web-scale"]["networks"]
    assert scaled["frontend"]["aliases"] == ["web"]
    assert set(scaled) == {"frontend", "backend"}
    directives = caddy_directives()
    # A name looked up again and again (every address it has), not one fixed upstream.
    assert ["reverse_proxy", "web:8000"] not in directives
    assert ["refresh", "5s"] in directives
    assert ["lb_policy", "least_conn"] in directives
    assert ["lb_try_duration", "5s"] in directives
