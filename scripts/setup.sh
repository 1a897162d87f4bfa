#!/usr/bin/env bash
# Prepares a Debian/Ubuntu machine to run the tracker: a virtualenv with the
# project, a .env, PostgreSQL with PostGIS, the database and its role, and (for
# browser tests) Chromium. Every step checks first and changes nothing when the
# machine is already right, so it is safe to run before every `make run`.
#
# Usage: scripts/setup.sh venv|env|postgres|chromium|gettext|all
#
# Packages are installed with apt-get only as root or with passwordless sudo;
# otherwise the script stops and prints the command to run. SETUP_DRY_RUN=1
# prints the commands that would change the machine instead of running them,
# and SETUP_PRETEND_MISSING=postgis,chromium,python3-venv treats those as
# absent, so the install branches can be checked on a complete machine.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
DRY_RUN=${SETUP_DRY_RUN:-}
PRETEND_MISSING=",${SETUP_PRETEND_MISSING:-},"
APT_UPDATED=

say() { printf '==> %s\n' "$*" >&2; }
fail() {
    printf '\n*** %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '    %s\n' "$line" >&2; done
    exit 1
}
pretend_missing() { [[ $PRETEND_MISSING == *",$1,"* ]]; }

# Runs a command as root: directly when we are root, through `sudo -n` when
# sudo needs no password. Returns 10 when neither is possible.
as_root() {
    if [[ -n $DRY_RUN ]]; then
        printf '    [dry run] would run as root: %s\n' "$*" >&2
        return 0
    fi
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 10
    fi
}

can_be_root() {
    [[ -n $DRY_RUN || $(id -u) -eq 0 ]] && return 0
    command -v sudo >/dev/null && sudo -n true 2>/dev/null
}

# apt-get install with an `apt-get update` first (once per run); without root
# rights, stop with the exact command for the user to run.
apt_install() {
    local why=$1
    shift
    if ! command -v apt-get >/dev/null; then
        fail "$why is missing and this is not a Debian/Ubuntu system." \
            "Install the equivalent of these Debian packages, then run make again:" \
            "  $*"
    fi
    if ! can_be_root; then
        fail "$why is missing. Install it (needs root), then run make again:" \
            "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $*"
    fi
    say "Installing $* ($why)"
    export DEBIAN_FRONTEND=noninteractive
    if [[ -z $APT_UPDATED ]]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

# True when apt knows a package of that name (so we can prefer a versioned one).
apt_has() {
    [[ -n $(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '(none)') ]]
}

# --- virtualenv ---------------------------------------------------------------

setup_venv() {
    if [[ -x $VENV/bin/python ]]; then
        return 0
    fi
    if ! command -v "$PYTHON" >/dev/null; then
        fail "$PYTHON was not found." "Install Python 3.11 or newer: sudo apt-get install -y python3"
    fi
    # Debian splits venv/ensurepip into python3-venv (python3.X-venv on Ubuntu).
    if pretend_missing python3-venv || ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        local pkg=python3-venv
        local version
        version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        if command -v apt-cache >/dev/null && apt_has "python$version-venv"; then
            pkg="python$version-venv"
        fi
        apt_install "Python's venv module" "$pkg"
    fi
    say "Creating the virtualenv $VENV"
    if [[ -n $DRY_RUN ]]; then
        printf '    [dry run] would run: %s -m venv %s\n' "$PYTHON" "$VENV" >&2
        return 0
    fi
    "$PYTHON" -m venv "$VENV"
}

# --- .env -----------------------------------------------------------------------

setup_env() {
    [[ -f .env ]] && return 0
    say "Writing .env from .env.example (DEBUG=true, a new SECRET_KEY)"
    "$PYTHON" - <<'PY'
import re
import secrets
from pathlib import Path

text = Path(".env.example").read_text(encoding="utf-8")
key = secrets.token_urlsafe(50)
text = re.sub(r"(?m)^#?\s*SECRET_KEY=.*$", f"SECRET_KEY={key}", text, count=1)
text = re.sub(r"(?m)^#?\s*DEBUG=.*$", "DEBUG=true", text, count=1)
env = Path(".env")
env.write_text(text, encoding="utf-8")
env.chmod(0o600)
PY
}

# --- PostgreSQL + PostGIS -----------------------------------------------------

# The database the app will use: DATABASE_URL from the environment, else from
# .env, else the settings' default. Prints shell assignments.
database_target() {
    "$PYTHON" - <<'PY'
import os
import shlex
from pathlib import Path
from urllib.parse import unquote, urlsplit

url = os.environ.get("DATABASE_URL", "")
env = Path(".env")
if not url and env.is_file():
    for line in env.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("export ")
        if line.startswith("DATABASE_URL="):
            url = line.partition("=")[2].strip().strip("'\"")
url = url or "postgis://infra_tracker@127.0.0.1:5432/infra_tracker"
parts = urlsplit(url)
values = {
    "DB_SCHEME": parts.scheme,
    "DB_USER": unquote(parts.username or "infra_tracker"),
    "DB_PASSWORD": unquote(parts.password or ""),
    "DB_HOST": parts.hostname or "127.0.0.1",
    "DB_PORT": str(parts.port or 5432),
    "DB_NAME": unquote(parts.path.lstrip("/")) or "infra_tracker",
}
for name, value in values.items():
    print(f"{name}={shlex.quote(value)}")
PY
}

# psql as the postgres superuser: over TCP (trust auth), else through the local
# socket as the postgres system user (Debian's default peer auth).
SUPER_MODE=
psql_super() {
    case $SUPER_MODE in
        tcp) psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -w "$@" ;;
        root) runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" "$@" ;;
        sudo) sudo -n -u postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" "$@" ;;
    esac
}

find_superuser_access() {
    if psql -X -h "$PGHOST" -p "$PGPORT" -U postgres -w -Atc 'select 1' postgres >/dev/null 2>&1; then
        SUPER_MODE=tcp
    elif [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost ]] && [[ $(id -u) -eq 0 ]] &&
        runuser -u postgres -- psql -X -p "$PGPORT" -Atc 'select 1' postgres >/dev/null 2>&1; then
        SUPER_MODE=root
    elif [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost ]] && command -v sudo >/dev/null &&
        sudo -n -u postgres psql -X -p "$PGPORT" -Atc 'select 1' postgres >/dev/null 2>&1; then
        SUPER_MODE=sudo
    else
        fail "Cannot connect to PostgreSQL at $PGHOST:$PGPORT as the superuser postgres." \
            "Allow it, e.g. in /etc/postgresql/*/main/pg_hba.conf:" \
            "  host all all 127.0.0.1/32 trust" \
            "then: sudo pg_ctlcluster <version> main reload" \
            "or create the role and database yourself and run make again:" \
            "  createuser -h $PGHOST -U postgres --createdb $DB_USER" \
            "  createdb -h $PGHOST -U postgres -O $DB_USER $DB_NAME" \
            "  psql -h $PGHOST -U postgres -d $DB_NAME -c 'create extension postgis'"
    fi
}

ensure_server_running() {
    if ! command -v psql >/dev/null; then
        fail "The PostgreSQL client (psql) is not installed." \
            "Install PostgreSQL with PostGIS: sudo apt-get install -y postgresql postgresql-postgis"
    fi
    pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null && return 0
    local local_host=
    [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost ]] && local_host=1
    if [[ -n $local_host ]] && command -v pg_lsclusters >/dev/null; then
        local version cluster
        read -r version cluster < <(pg_lsclusters -h 2>/dev/null |
            awk -v port="$PGPORT" '$3 == port {print $1, $2; exit}') || true
        if [[ -n $version ]] && can_be_root; then
            say "PostgreSQL is not answering on $PGHOST:$PGPORT; starting cluster $version/$cluster"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                pg_isready -q -h "$PGHOST" -p "$PGPORT" && return 0
                sleep 1
            done
        fi
        if [[ -n $version ]]; then
            fail "PostgreSQL is not answering on $PGHOST:$PGPORT." \
                "Start it: sudo pg_ctlcluster --skip-systemctl-redirect $version $cluster start" \
                "(or: sudo systemctl start postgresql), then run make again." \
                "Its log: /var/log/postgresql/postgresql-$version-$cluster.log"
        fi
    fi
    fail "PostgreSQL is not answering on $PGHOST:$PGPORT." \
        "Install and start it (Debian/Ubuntu): sudo apt-get install -y postgresql postgresql-postgis" \
        "or point DATABASE_URL in .env at a running PostgreSQL 15+ server with PostGIS."
}

postgis_available() {
    pretend_missing postgis && return 1
    [[ $(sql postgres "select 1 from pg_available_extensions where name = 'postgis'") == 1 ]]
}

ensure_postgis_installed() {
    postgis_available && return 0
    local major pkg
    major=$(sql postgres "show server_version_num")
    major=$((major / 10000))
    if [[ $PGHOST != 127.0.0.1 && $PGHOST != localhost ]]; then
        fail "The PostgreSQL server at $PGHOST has no PostGIS extension available." \
            "Install PostGIS on that server (Debian: postgresql-$major-postgis-3), then run make again."
    fi
    pkg=postgresql-postgis
    if command -v apt-cache >/dev/null && apt_has "postgresql-$major-postgis-3"; then
        pkg="postgresql-$major-postgis-3"
    fi
    apt_install "PostGIS for PostgreSQL $major" "$pkg"
    [[ -n $DRY_RUN ]] && return 0
    if ! postgis_available; then
        fail "$pkg was installed but PostgreSQL $major still lists no postgis extension." \
            "Check that the server on $PGHOST:$PGPORT is version $major: psql -h $PGHOST -U postgres -c 'show server_version'"
    fi
}

# One value from a query. psql interpolates :'name' (a literal) and :"name" (an
# identifier) only in scripts read from stdin, so names never need hand-quoting.
sql() {
    local db=$1 query=$2
    shift 2
    psql_super -At -v role="$DB_USER" -v db="$DB_NAME" -v pw="$DB_PASSWORD" "$@" "$db" <<<"$query"
}

# Role, database and extension; each statement only acts when something is missing.
ensure_database() {
    if [[ $(sql postgres "select 1 from pg_roles where rolname = :'role'") != 1 ]]; then
        say "Creating the PostgreSQL role $DB_USER (LOGIN CREATEDB)"
        sql postgres "select case when :'pw' = '' then format('create role %I login createdb', :'role')
            else format('create role %I login createdb password %L', :'role', :'pw') end
\gexec" >/dev/null
    elif [[ $(sql postgres "select rolcreatedb or rolsuper from pg_roles where rolname = :'role'") != t ]]; then
        say "Letting $DB_USER create databases (the test runner needs it)"
        sql postgres 'alter role :"role" createdb'
    fi
    if [[ $(sql postgres "select 1 from pg_database where datname = :'db'") != 1 ]]; then
        say "Creating the database $DB_NAME (owner $DB_USER)"
        sql postgres 'create database :"db" owner :"role"'
    fi
    # template1 too, so the test databases pytest creates have PostGIS already.
    local db
    for db in "$DB_NAME" template1; do
        if [[ $(sql "$db" "select 1 from pg_extension where extname = 'postgis'") != 1 ]]; then
            say "Creating the postgis extension in $db"
            sql "$db" 'create extension if not exists postgis'
        fi
    done
}

# The app connects as its own role, not as postgres: prove that works too.
check_app_connection() {
    if ! PGPASSWORD=$DB_PASSWORD psql -X -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -w -Atc 'select 1' \
        "$DB_NAME" >/dev/null 2>&1; then
        fail "The app cannot connect as $DB_USER to $DB_NAME on $PGHOST:$PGPORT." \
            "Either allow it in pg_hba.conf (host $DB_NAME $DB_USER 127.0.0.1/32 trust)," \
            "or give the role a password and put it in DATABASE_URL in .env:" \
            "  psql -h $PGHOST -U postgres -c \"alter role $DB_USER password 'choose-one'\"" \
            "  DATABASE_URL=postgis://$DB_USER:choose-one@$PGHOST:$PGPORT/$DB_NAME"
    fi
}

# GeoDjango loads GDAL and GEOS itself; the PostGIS package brings them, but a
# machine using a remote database may still lack them.
ensure_gis_libraries() {
    if ! pretend_missing gis-libs && ldconfig -p 2>/dev/null | grep -q 'libgdal\.so' &&
        ldconfig -p 2>/dev/null | grep -q 'libgeos_c\.so'; then
        return 0
    fi
    local pkgs=(binutils libgdal32 libgeos-c1v5 libproj25)
    if command -v apt-cache >/dev/null && ! apt_has libgdal32; then
        pkgs=(binutils gdal-bin) # Other releases name the library packages differently.
    fi
    apt_install "GDAL/GEOS/PROJ (GeoDjango's libraries)" "${pkgs[@]}"
}

setup_postgres() {
    eval "$(database_target)"
    if [[ $DB_SCHEME != postgis ]]; then
        fail "DATABASE_URL must start with postgis:// (it starts with $DB_SCHEME://)." \
            "Fix it in .env, e.g. DATABASE_URL=postgis://infra_tracker@127.0.0.1:5432/infra_tracker"
    fi
    PGHOST=${PGHOST:-$DB_HOST}
    PGPORT=${PGPORT:-$DB_PORT}
    ensure_server_running
    find_superuser_access
    ensure_postgis_installed
    ensure_gis_libraries
    [[ -n $DRY_RUN ]] && return 0
    ensure_database
    check_app_connection
}

# --- gettext (the translations) -------------------------------------------------

# msgfmt compiles locale/*/LC_MESSAGES/*.po into the .mo files Django reads.
setup_gettext() {
    if ! pretend_missing gettext && command -v msgfmt >/dev/null; then
        return 0
    fi
    apt_install "GNU gettext (compiles the translations)" gettext
}

# --- Chromium (browser tests) ---------------------------------------------------

setup_chromium() {
    local browser=${CHROMIUM_PATH:-/usr/bin/chromium}
    if pretend_missing chromium || [[ ! -x $browser ]]; then
        apt_install "Chromium (the browser tests drive it)" chromium
    fi
    # The report test reads back the PDF Chromium printed (pdftotext, pdftoppm).
    if pretend_missing poppler-utils || ! command -v pdftotext >/dev/null; then
        apt_install "poppler-utils (the report test reads the printed PDF)" poppler-utils
    fi
}

case ${1:-all} in
    venv) setup_venv ;;
    env) setup_env ;;
    postgres) setup_postgres ;;
    chromium) setup_chromium ;;
    gettext) setup_gettext ;;
    all)
        setup_venv
        setup_env
        setup_postgres
        setup_gettext
        ;;
    *)
        echo "usage: $0 venv|env|postgres|chromium|gettext|all" >&2
        exit 2
        ;;
esac
