"""Years imported from the Global Power Plant Database as "1970.0" are written as years.

The importer now writes "Commissioned: 1970." (incidents.imports.base.year_text);
notes imported before it still read "Commissioned: 1970.0.".
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

COMMISSIONED = re.compile(r"Commissioned: (\d{3,4}\.\d+)\.")


def _year(match: re.Match) -> str:
    # The same wording as year_text; a migration keeps its own copy of the rule.
    number = Decimal(match.group(1))
    if number == number.to_integral_value():
        return f"Commissioned: {int(number)}."
    return f"Commissioned: about {int(number.to_integral_value(rounding=ROUND_HALF_UP))}."


def years_as_years(apps, schema_editor):
    Facility = apps.get_model("incidents", "Facility")
    changed = []
    rows = Facility.objects.filter(notes__regex=COMMISSIONED.pattern).only("id", "notes")
    for facility in rows.iterator(chunk_size=2000):
        notes = COMMISSIONED.sub(_year, facility.notes)
        if notes != facility.notes:
            facility.notes = notes
            changed.append(facility)
    Facility.objects.bulk_update(changed, ["notes"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_region_code_and_unique_names")]

    operations = [migrations.RunPython(years_as_years, migrations.RunPython.noop)]
