"""Map cells and weapon masks on attacks, for clustered map layers (incidents.mapgrid).

`map_x`/`map_y` are generated from the impact point, so every write, raw SQL and
COPY included, keeps them right. `weapon_mask` is kept by statement-level triggers
on the weapon uses (one UPDATE per statement, so bulk imports stay fast). Neither is
a model field: Django never writes them, and only the layers read them.
"""

from django.db import migrations

# Frozen copies of incidents.mapgrid as it was when this migration was written.
GRID = 2**20
PHI = "radians(least(85.0511, greatest(-85.0511, ST_Y(impact_location))))"
MAP_X = f"least({GRID - 1}, greatest(0, floor((ST_X(impact_location) + 180) / 360 * {GRID})))::integer"
MAP_Y = (
    f"least({GRID - 1}, greatest(0, floor((1 - ln(tan({PHI}) + 1 / cos({PHI})) / pi()) "
    f"/ 2 * {GRID})))::integer"
)
TYPES = (
    "ARRAY['ballistic_missile', 'cruise_missile', 'hypersonic_missile', 'guided_bomb', "
    "'attack_drone', 'artillery', 'unknown']::text[]"
)


def mask(attack_id: str) -> str:
    return (
        f"(SELECT COALESCE(bit_or(1 << (array_position({TYPES}, w.weapon_type::text) - 1)), 0)"
        f"::smallint FROM public.incidents_weaponuse w WHERE w.attack_id = {attack_id})"
    )


FORWARD = f"""
ALTER TABLE incidents_attack
    ADD COLUMN map_x integer GENERATED ALWAYS AS ({MAP_X}) STORED,
    ADD COLUMN map_y integer GENERATED ALWAYS AS ({MAP_Y}) STORED,
    ADD COLUMN weapon_mask smallint NOT NULL DEFAULT 0;

UPDATE incidents_attack a SET weapon_mask = {mask("a.id")}
WHERE EXISTS (SELECT 1 FROM incidents_weaponuse w WHERE w.attack_id = a.id);

CREATE FUNCTION incidents_refresh_weapon_mask() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE public.incidents_attack a SET weapon_mask = {mask("a.id")}
        WHERE a.id IN (SELECT attack_id FROM new_rows);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE public.incidents_attack a SET weapon_mask = {mask("a.id")}
        WHERE a.id IN (SELECT attack_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER weaponuse_mask_insert AFTER INSERT ON incidents_weaponuse
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_refresh_weapon_mask();
CREATE TRIGGER weaponuse_mask_update AFTER UPDATE ON incidents_weaponuse
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_refresh_weapon_mask();
CREATE TRIGGER weaponuse_mask_delete AFTER DELETE ON incidents_weaponuse
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_refresh_weapon_mask();

-- The clustered attacks layer: an index-only scan grouping by cell and weapon mask.
CREATE INDEX attack_map_cell_idx ON incidents_attack (map_x, map_y) INCLUDE (weapon_mask)
    WHERE impact_location IS NOT NULL;
"""

BACKWARD = """
DROP TRIGGER weaponuse_mask_insert ON incidents_weaponuse;
DROP TRIGGER weaponuse_mask_update ON incidents_weaponuse;
DROP TRIGGER weaponuse_mask_delete ON incidents_weaponuse;
DROP FUNCTION incidents_refresh_weapon_mask();
ALTER TABLE incidents_attack DROP COLUMN map_x, DROP COLUMN map_y, DROP COLUMN weapon_mask;
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_data_version")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
