#!/usr/bin/env bash
# `make run` after the set-up: database up to date, regions and demo data loaded,
# a fresh admin password, a Celery worker when Redis answers, then the
# development server on http://127.0.0.1:8000. Ctrl-C stops both.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
SHARED_REGIONS=../shared/data/ukraine-oblasts.geojson
mkdir -p .make

# Prints what the run needs to know from the settings (environment, then .env),
# one KEY=value per line, and whether the Celery broker answers a PING.
read_settings() {
    "$PY" - <<'PY'
import os
import shlex
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

from infra_tracker.env import env_bool, load_dotenv

load_dotenv(Path(".env"))
broker = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
parts = urlsplit(broker)
answers = False
default_port = {"redis": 6379, "rediss": 6379, "amqp": 5672}.get(parts.scheme, 6379)
try:
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 2) as s:
        if parts.scheme != "redis":
            answers = True  # TLS or another broker: an open port is all we check.
        else:
            if parts.password:
                auth = [unquote(parts.username)] if parts.username else []
                auth.append(unquote(parts.password))
                s.sendall(("AUTH " + " ".join(auth) + "\r\n").encode())
                s.recv(128)
            s.sendall(b"PING\r\n")
            answers = s.recv(128).startswith(b"+PONG")
except OSError:
    answers = False
values = {
    "BROKER": broker,
    "BROKER_ANSWERS": "1" if answers else "",
    "DEBUG_ON": "1" if env_bool("DEBUG", False) else "",
    "REGIONS_SET": "1" if os.environ.get("REGIONS_GEOJSON") else "",
    "EAGER_SET": "1" if env_bool("CELERY_TASK_ALWAYS_EAGER", False) else "",
}
for key, value in values.items():
    print(f"{key}={shlex.quote(value)}")
PY
}
eval "$(read_settings)"

if [[ -z $REGIONS_SET && -f $SHARED_REGIONS ]]; then
    REGIONS_GEOJSON=$(realpath "$SHARED_REGIONS")
    export REGIONS_GEOJSON
fi

echo "==> Migrating the database"
"$PY" manage.py migrate --noinput -v 0
echo "==> Loading the regions${REGIONS_GEOJSON:+ from $REGIONS_GEOJSON}"
"$PY" manage.py load_regions -v 0
echo "==> Loading the demo data"
"$PY" manage.py load_demo -v 0
# Static files are served from the app folders while DEBUG is on; a run with
# DEBUG=false serves the collected, hashed copies and needs them up to date.
if [[ -z $DEBUG_ON ]]; then
    echo "==> Collecting static files"
    "$PY" manage.py collectstatic --noinput -v 0
fi
ADMIN_LINE=$("$PY" manage.py ensure_admin -v 0)
ADMIN_PASSWORD=${ADMIN_LINE#*password: }

WORKER_PID=
stop_worker() {
    if [[ -n $WORKER_PID ]] && kill -0 "$WORKER_PID" 2>/dev/null; then
        echo "==> Stopping the Celery worker"
        kill -TERM "$WORKER_PID" 2>/dev/null || true
        wait "$WORKER_PID" 2>/dev/null || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [[ -n $EAGER_SET ]]; then
    WORKER_NOTE="none: CELERY_TASK_ALWAYS_EAGER is set, tasks run inside the web process"
elif [[ -n $BROKER_ANSWERS ]]; then
    # The worker's log goes to a file so it does not bury the server's output.
    ${VENV:-.venv}/bin/celery -A infra_tracker worker -l info >.make/celery.log 2>&1 &
    WORKER_PID=$!
    WORKER_NOTE="running (pid $WORKER_PID), log: tail -f .make/celery.log"
else
    export CELERY_TASK_ALWAYS_EAGER=true
    WORKER_NOTE="none: Redis does not answer at $BROKER, so CELERY_TASK_ALWAYS_EAGER=true
                 (tasks run inside the web process). Start Redis for a real worker."
fi

cat <<BANNER

  ┌────────────────────────────────────────────────────────────────────
  │ Dashboard:  http://127.0.0.1:8000/
  │ Admin:      http://127.0.0.1:8000/admin/
  │ Log in as:  admin
  │ Password:   $ADMIN_PASSWORD
  │             (new on every make run)
  │ Worker:     $WORKER_NOTE
  └────────────────────────────────────────────────────────────────────

BANNER

"$PY" manage.py runserver 127.0.0.1:8000
