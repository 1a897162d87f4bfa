from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """unaccent for the facility search: "Trypilska" finds "Trypìlska", "Дніпровська" "Днiпровська"."""

    dependencies = [
        ("incidents", "0011_imported_years_as_years"),
    ]

    operations = [
        # unaccent is a trusted extension: the database's owner may create it.
        UnaccentExtension(),
    ]
