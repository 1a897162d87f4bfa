"""Each damage row carries the facts of its attack the map filters on, kept by triggers.

The facilities layer shows each facility's latest damage by an attack matching the
filters. Finding it through the attacks meant joining every damage to its attack and
sorting them all. With the attack's start, verification, publication state and weapon
mask on the damage row, an index on (facility, start) answers it with a short walk
per facility and no attack read. Like the attacks' weapon masks, these are not model
fields: Django never writes them, the triggers keep them right for every write (admin,
API, COPY, raw SQL), and the published snapshots get theirs when an attack is
published (incidents.public.snapshots).
"""

import django.db.models.deletion
from django.db import migrations, models

COPIED = ("started_at", "verification_status", "publication_state", "weapon_mask")
TARGETS = ", ".join(f"attack_{name}" for name in COPIED)
SOURCES = ", ".join(COPIED)
CHANGED = " OR ".join(f"n.{name} IS DISTINCT FROM o.{name}" for name in COPIED)
SET_FROM_NEW = ", ".join(f"attack_{name} = n.{name}" for name in COPIED)

FORWARD = f"""
ALTER TABLE incidents_damage
    ADD COLUMN attack_started_at timestamptz,
    ADD COLUMN attack_verification_status varchar(20),
    ADD COLUMN attack_publication_state varchar(10),
    ADD COLUMN attack_weapon_mask smallint;

UPDATE incidents_damage d SET ({TARGETS}) = (a.{SOURCES.replace(", ", ", a.")})
FROM incidents_attack a WHERE a.id = d.attack_id;

-- A damage row written or moved to another attack takes that attack's facts.
CREATE FUNCTION incidents_damage_attack_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {SOURCES}
    INTO NEW.attack_started_at, NEW.attack_verification_status,
         NEW.attack_publication_state, NEW.attack_weapon_mask
    FROM public.incidents_attack WHERE id = NEW.attack_id;
    RETURN NEW;
END $$;

CREATE TRIGGER damage_attack_facts BEFORE INSERT OR UPDATE ON incidents_damage
    FOR EACH ROW EXECUTE FUNCTION incidents_damage_attack_facts();

-- An attack whose facts change passes them on to its damage rows (one UPDATE per
-- statement, and none when nothing the rows carry changed).
CREATE FUNCTION incidents_attack_facts_to_damage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {CHANGED}) THEN
        UPDATE public.incidents_damage d SET {SET_FROM_NEW}
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE d.attack_id = n.id AND ({CHANGED});
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER attack_facts_to_damage AFTER UPDATE ON incidents_attack
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_attack_facts_to_damage();

-- Each facility's latest damage: a walk of this index from the newest, read alone.
CREATE INDEX damage_facility_latest_idx
    ON incidents_damage (facility_id, attack_started_at DESC, id DESC)
    INCLUDE (severity, attack_verification_status, attack_publication_state,
             attack_weapon_mask);
"""

BACKWARD = f"""
DROP TRIGGER attack_facts_to_damage ON incidents_attack;
DROP FUNCTION incidents_attack_facts_to_damage();
DROP TRIGGER damage_attack_facts ON incidents_damage;
DROP FUNCTION incidents_damage_attack_facts();
ALTER TABLE incidents_damage {", ".join(f"DROP COLUMN attack_{name}" for name in COPIED)};
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_daily_rollups")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        # The new index starts with facility_id: the foreign key's own index goes.
        migrations.AlterField(
            model_name="damage",
            name="facility",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="damages",
                to="incidents.facility",
            ),
        ),
    ]
