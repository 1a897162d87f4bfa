"""The data version: a number every committed write to the app's tables changes.

Cached responses (incidents.api.caching) are keyed on it. The triggers that call
`incidents_data_changed()` are put on every table of the app, and on the published
snapshots, after each migrate (incidents.data_version.install_triggers).
"""

from django.db import migrations

FORWARD = """
-- Never goes back, not even when a transaction rolls back: a version is never reused.
CREATE SEQUENCE incidents_data_version_seq;

-- One row: the committed version, and an epoch drawn when the database was made, so a
-- recreated database never meets the cached entries of its predecessor of the same name.
CREATE TABLE incidents_data_version (
    id integer PRIMARY KEY CHECK (id = 1),
    epoch text NOT NULL,
    version bigint NOT NULL
);
INSERT INTO incidents_data_version
VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 12), 0);

-- One row per writing transaction, for the deferred trigger below to fire once, at commit.
CREATE TABLE incidents_data_change (id bigserial PRIMARY KEY);

-- After each writing statement (FOR EACH STATEMENT: a bulk import is one call, not one
-- per row). The transaction itself sees a new version at once, through a setting local
-- to it; the committed version moves at commit, below.
CREATE FUNCTION incidents_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE(current_setting('tracker.data_version', true), '') = '' THEN
        INSERT INTO public.incidents_data_change DEFAULT VALUES;
    END IF;
    PERFORM set_config(
        'tracker.data_version', nextval('public.incidents_data_version_seq')::text, true
    );
    RETURN NULL;
END
$$;

-- At commit: the row is locked only while the transaction commits, so writers never
-- wait on each other for it before then (and cannot deadlock on it).
CREATE FUNCTION incidents_data_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.incidents_data_version
    SET version = nextval('public.incidents_data_version_seq') WHERE id = 1;
    DELETE FROM public.incidents_data_change WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER incidents_data_committed AFTER INSERT ON incidents_data_change
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION incidents_data_committed();
"""

BACKWARD = """
DROP FUNCTION incidents_data_changed() CASCADE;
DROP TABLE incidents_data_change;
DROP FUNCTION incidents_data_committed();
DROP TABLE incidents_data_version;
DROP SEQUENCE incidents_data_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_search_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
