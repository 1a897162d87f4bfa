# The tracker's web, worker and beat image: gunicorn serving infra_tracker.wsgi.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GeoDjango loads GDAL, GEOS and PROJ through ctypes; binutils lets ctypes find them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends binutils libgdal32 libgeos-c1v5 libproj25 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them: exactly the
# versions in the lock file, each checked against its hash (`make lock` writes it).
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes --requirement requirements/lock.txt

COPY . .
# Editable, so settings find templates/ and static/ beside manage.py in /app. The
# locked setuptools builds it: no unhashed build dependency is fetched.
RUN pip install --no-deps --no-build-isolation --editable .

# Static files are collected into the image; the key only lets settings load for
# this one step and is not kept in the image's environment.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-only-not-a-secret
RUN SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" DEBUG=false \
    python manage.py collectstatic --noinput -v 0

# The translations (locale/*/LC_MESSAGES/*.po) compiled into the .mo files Django reads;
# gettext is needed for this step only and leaves the image with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" DEBUG=false \
        python manage.py compilemessages --ignore=staticfiles --ignore=static/vendor -v 0 \
    && apt-get purge -y --auto-remove gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tracker \
    && mkdir -p /app/media \
    && chown tracker /app/media
USER tracker

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
CMD ["gunicorn", "infra_tracker.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
