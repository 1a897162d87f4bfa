"""The data version: what cached responses are keyed on (see incidents.api.caching).

Every statement that writes to one of the app's tables, or to the published
snapshots, runs a trigger (migration 0005): the writing transaction sees a new
version at once, everyone else when it commits. Admin, API, imports' bulk path,
deletes, publication and raw SQL all count, whichever code wrote.

The public view also changes without a write: a published record becomes visible
PUBLIC_DELAY_HOURS after its attack started. Its version adds the latest
`public_from` already visible, which moves exactly then.
"""

# Table names come from the models' metadata (S608).
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection

from incidents.database import reading_connection
from incidents.public.schema import DELAY, PUBLISHED, app_models, q, snapshot_models

TRIGGER = "incidents_data_changed"
# Tables no cached response reads, written often: an import's progress would otherwise
# empty the cache every few seconds while it runs.
UNCOUNTED = {"incidents_importjob", "incidents_historicalimportjob"}


def counted_tables() -> list[str]:
    """The tables whose writes change the version, schema-qualified."""
    live = [
        f"public.{q(model._meta.db_table)}"
        for model in app_models()
        if model._meta.db_table not in UNCOUNTED
    ]
    return live + [f"{q(PUBLISHED)}.{q(model._meta.db_table)}" for model in snapshot_models()]


def install_triggers() -> None:
    """Put the trigger on every counted table (again: new tables get it too)."""
    with connection.cursor() as cursor:
        for table in counted_tables():
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION public.{TRIGGER}()"
            )


def after_migrate(sender, **kwargs) -> None:
    """post_migrate, after the public view's sync has made the snapshot tables."""
    if kwargs.get("using", "default") == "default":
        install_triggers()


def _visible_sql() -> str:
    """The latest public_from the public view already shows, over every snapshot."""
    latest = [
        f"(SELECT max(public_from) FROM {q(PUBLISHED)}.{q(model._meta.db_table)} "
        f"WHERE public_from <= now() - {DELAY})"
        for model in snapshot_models()
    ]
    return f"GREATEST({', '.join(latest)})"


def current(*, public: bool) -> str:
    """The version of what this request would read: one cheap query.

    Inside a transaction that wrote, a version only it uses (its writes are not
    yet anyone else's); otherwise the committed one. For the public view, with the
    moment its latest visible record became visible.
    """
    visible = f"COALESCE({_visible_sql()}::text, '-')" if public else "''"
    # From the database the body will be read from: a replica that lags behind must
    # not file an old body under the primary's newer version.
    with reading_connection().cursor() as cursor:
        cursor.execute(
            "SELECT v.epoch || '.' || COALESCE("
            "NULLIF(current_setting('tracker.data_version', true), '') || 'w', "
            f"v.version::text) || '.' || {visible} "
            "FROM public.incidents_data_version v"
        )
        return cursor.fetchone()[0]
