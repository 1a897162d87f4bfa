from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """unaccent for the facility search: "Trypilska" finds "Trypìlska", "Дніпровська" "Днiпровська"."""

    dependencies = [
        ("incidents", "0007_daily_rollups"),
    ]

    operations = [
        # unaccent is a trusted extension: the database's owner may create it.
        UnaccentExtension(),
    ]
