"""Region codes must be ISO 3166-2 and region names unique, in the database too.

An API client could once rename codes to anything (control characters
included), after which loading the regions again created a second row of the
same name: the dashboard listed those regions twice. Codes that are the right
letters with stray characters or a wrong case are repaired; a code that cannot
be repaired, or two regions of one name, stop the migration with a message
naming the rows, for a person to merge or rename them first.
"""

import re

import django.contrib.postgres.aggregates
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

import incidents.models.regions
from incidents.region_names import region_code

CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def repair_codes_or_refuse(apps, schema_editor):
    Region = apps.get_model("incidents", "Region")
    taken = set(Region.objects.values_list("code", flat=True))
    problems = []
    for region in Region.objects.order_by("pk").only("pk", "code", "name_en"):
        if CODE.match(region.code):
            continue
        # The code's own letters without spaces or control characters, else the name's code.
        cleaned = re.sub(r"[^A-Za-z0-9-]", "", region.code).upper()
        guess = (
            cleaned if CODE.match(cleaned) else region_code(region.name_en, bare_kyiv_is_city=True)
        )
        if guess and CODE.match(guess) and guess not in taken:
            taken.discard(region.code)
            taken.add(guess)
            Region.objects.filter(pk=region.pk).update(code=guess)
        else:
            problems.append(
                f"region id {region.pk} ({region.name_en!r}) has the code {region.code!r}, "
                "which is not ISO 3166-2"
                + (f" and {guess} is taken by another region" if guess else "")
            )
    for field in ("name_en", "name_uk"):
        duplicates = (
            Region.objects.exclude(**{field: ""})
            .annotate(key=Lower(field))
            .values("key")
            .annotate(n=models.Count("pk"), ids=django.contrib.postgres.aggregates.ArrayAgg("pk"))
            .filter(n__gt=1)
        )
        for row in duplicates:
            problems.append(f"regions {sorted(row['ids'])} share the {field} {row['key']!r}")
    if problems:
        raise RuntimeError(
            "Region codes must be ISO 3166-2 codes and region names unique, but: "
            + "; ".join(problems)
            + ". Merge the duplicate regions (move their records to one, delete the other) "
            "or rename them in the admin (Regions), then run migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_translatable_field_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(repair_codes_or_refuse, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalregion",
            name="code",
            field=models.CharField(
                db_index=True,
                help_text="ISO 3166-2 code, e.g. UA-30 for Kyiv city. It cannot change once saved through the API: records elsewhere refer to regions by it.",
                max_length=10,
                validators=[incidents.models.regions.validate_region_code],
                verbose_name="code",
            ),
        ),
        migrations.AlterField(
            model_name="region",
            name="code",
            field=models.CharField(
                help_text="ISO 3166-2 code, e.g. UA-30 for Kyiv city. It cannot change once saved through the API: records elsewhere refer to regions by it.",
                max_length=10,
                unique=True,
                validators=[incidents.models.regions.validate_region_code],
                verbose_name="code",
            ),
        ),
        migrations.AddConstraint(
            model_name="region",
            constraint=models.CheckConstraint(
                condition=models.Q(("code__regex", "^[A-Z]{2}-[A-Z0-9]{1,3}$")),
                name="region_code_iso_3166_2",
                violation_error_code="invalid_region_code",
                violation_error_message="Enter an ISO 3166-2 code: two capital letters for the country, a hyphen, then one to three capital letters or digits (e.g. UA-30 for Kyiv city).",
            ),
        ),
        migrations.AddConstraint(
            model_name="region",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name_en"),
                name="region_name_en_unique_ci",
                violation_error_code="name_en_taken",
                violation_error_message="Another region already has this English name.",
            ),
        ),
        migrations.AddConstraint(
            model_name="region",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name_uk"),
                condition=models.Q(("name_uk", ""), _negated=True),
                name="region_name_uk_unique_ci",
                violation_error_code="name_uk_taken",
                violation_error_message="Another region already has this Ukrainian name.",
            ),
        ),
    ]
