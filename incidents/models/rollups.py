"""Daily aggregates of attacks, from which the statistics are answered (incidents.rollups).

One row adds up the attacks of one day (Kyiv time) that share a verification
status, a publication state, a set of regions and a set of weapon types. An
attack has one set of each, so it is counted in exactly one row of a grain, and
"attacks in any of these regions / that used any of these weapon types" is a sum
over the rows whose set overlaps the filter: nothing is counted twice.

Two grains live in each table: rows with the set of regions, and rows with
`region_ids` NULL that add up every set of regions of the day (fewer rows, for
the questions that name no region).

Nothing writes these tables but PostgreSQL: triggers on the attacks and their
rows record the attacks a transaction touched, and at commit the rollups change
by the difference between what those attacks added before (their facts) and
what they add now (incidents.rollups.schema). The same tables in the `published` schema hold the
aggregates of the published snapshots, for the public view.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AttackRollup(models.Model):
    """Attacks, and what they did, per day, regions, weapon types, verification and state."""

    day = models.DateField(help_text=_("The day the attacks started, in Kyiv time."))
    region_ids = ArrayField(
        models.BigIntegerField(),
        null=True,
        help_text=_(
            "The attacks' regions (ids, ascending; empty when none is linked); "
            "NULL on the rows that add up every set of regions of the day."
        ),
    )
    weapon_types = ArrayField(
        models.TextField(), help_text=_("The weapon types the attacks used (ascending).")
    )
    verification_status = models.CharField(max_length=20)
    publication_state = models.CharField(max_length=10)
    attacks = models.IntegerField()
    unlocated = models.IntegerField(help_text=_("Attacks without an impact point."))
    killed = models.BigIntegerField()
    injured = models.BigIntegerField()
    damages_none = models.IntegerField()
    damages_minor = models.IntegerField()
    damages_moderate = models.IntegerField()
    damages_severe = models.IntegerField()
    damages_destroyed = models.IntegerField()

    class Meta:
        constraints = [
            # The row a difference is added to (ON CONFLICT); NULL region_ids is one key.
            models.UniqueConstraint(
                fields=[
                    "day",
                    "region_ids",
                    "weapon_types",
                    "verification_status",
                    "publication_state",
                ],
                name="attackrollup_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # Statistics read a range of days.
            models.Index(fields=["day"], name="attackrollup_day_idx"),
            # Statistics without a region filter read the all-regions rows only.
            models.Index(
                fields=["day"],
                condition=Q(region_ids__isnull=True),
                name="attackrollup_all_regions_idx",
            ),
            # The region filter: rows whose set of regions overlaps the codes asked for.
            GinIndex(fields=["region_ids"], name="attackrollup_regions_idx"),
        ]


class WeaponRollup(models.Model):
    """Weapon rows per day, regions, verification, state and weapon type.

    `attacks` counts the attacks that used the type; the `*_both` sums are over
    the rows where both launched and intercepted are known (the interception
    rate's), `launched_rows` counts rows with a known number launched.
    """

    day = models.DateField(help_text=_("The day the attacks started, in Kyiv time."))
    region_ids = ArrayField(
        models.BigIntegerField(),
        null=True,
        help_text=_("As AttackRollup.region_ids: NULL on the rows of every set of regions."),
    )
    verification_status = models.CharField(max_length=20)
    publication_state = models.CharField(max_length=10)
    weapon_type = models.CharField(max_length=20)
    attacks = models.IntegerField()
    launched_rows = models.IntegerField()
    launched = models.BigIntegerField()
    intercepted = models.BigIntegerField()
    launched_both = models.BigIntegerField()
    intercepted_both = models.BigIntegerField()

    class Meta:
        constraints = [
            # The row a difference is added to (ON CONFLICT); NULL region_ids is one key.
            models.UniqueConstraint(
                fields=[
                    "day",
                    "region_ids",
                    "verification_status",
                    "publication_state",
                    "weapon_type",
                ],
                name="weaponrollup_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # Statistics read a range of days.
            models.Index(fields=["day"], name="weaponrollup_day_idx"),
            # Statistics without a region filter read the all-regions rows only.
            models.Index(
                fields=["day"],
                condition=Q(region_ids__isnull=True),
                name="weaponrollup_all_regions_idx",
            ),
            # The region filter: rows whose set of regions overlaps the codes asked for.
            GinIndex(fields=["region_ids"], name="weaponrollup_regions_idx"),
        ]


class DamageRollup(models.Model):
    """Damage rows per day, facility, verification, state and the attacks' weapon types.

    Which facilities the matching attacks damaged (a count of distinct facilities,
    not a sum over attacks) is read from here: a facility is damaged when any of
    its rows in the matching days has minor, moderate or severe damage.
    """

    day = models.DateField(help_text=_("The day the attacks started, in Kyiv time."))
    facility_id = models.BigIntegerField()
    weapon_types = ArrayField(
        models.TextField(), help_text=_("The weapon types the attacks used (ascending).")
    )
    verification_status = models.CharField(max_length=20)
    publication_state = models.CharField(max_length=10)
    damages_none = models.IntegerField()
    damages_minor = models.IntegerField()
    damages_moderate = models.IntegerField()
    damages_severe = models.IntegerField()
    damages_destroyed = models.IntegerField()

    class Meta:
        constraints = [
            # The row a difference is added to (ON CONFLICT).
            models.UniqueConstraint(
                fields=[
                    "day",
                    "facility_id",
                    "weapon_types",
                    "verification_status",
                    "publication_state",
                ],
                name="damagerollup_key",
            )
        ]
        indexes = [
            # Emptied rows are removed by day.
            models.Index(fields=["day"], name="damagerollup_day_idx"),
            # Whether the matching attacks damaged / destroyed a facility: one probe each
            # (incidents.rollups.queries.damage_flags).
            models.Index(
                fields=["facility_id", "day"],
                condition=Q(damages_minor__gt=0)
                | Q(damages_moderate__gt=0)
                | Q(damages_severe__gt=0),
                name="damagerollup_damaged_idx",
            ),
            models.Index(
                fields=["facility_id", "day"],
                condition=Q(damages_destroyed__gt=0),
                name="damagerollup_destroyed_idx",
            ),
        ]


class AttackFact(models.Model):
    """What one attack adds to the rollups, as last added: the rollups change by the
    difference between this and the attack's rows now (incidents.rollups.schema)."""

    attack_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()
    region_ids = ArrayField(models.BigIntegerField())
    weapon_types = ArrayField(models.TextField())
    verification_status = models.CharField(max_length=20)
    publication_state = models.CharField(max_length=10)
    unlocated = models.IntegerField()
    killed = models.BigIntegerField()
    injured = models.BigIntegerField()
    damages_none = models.IntegerField()
    damages_minor = models.IntegerField()
    damages_moderate = models.IntegerField()
    damages_severe = models.IntegerField()
    damages_destroyed = models.IntegerField()


class WeaponFact(models.Model):
    """What one attack's weapons of one type add to the weapon rollup, as last added."""

    attack_id = models.BigIntegerField()
    weapon_type = models.CharField(max_length=20)
    launched_rows = models.IntegerField()
    launched = models.BigIntegerField()
    intercepted = models.BigIntegerField()
    launched_both = models.BigIntegerField()
    intercepted_both = models.BigIntegerField()

    class Meta:
        indexes = [
            # The facts of the attacks a transaction changed.
            models.Index(fields=["attack_id"], name="weaponfact_attack_idx"),
        ]


class DamageFact(models.Model):
    """What one attack's damage to one facility adds to the damage rollup, as last added."""

    attack_id = models.BigIntegerField()
    facility_id = models.BigIntegerField()
    damages_none = models.IntegerField()
    damages_minor = models.IntegerField()
    damages_moderate = models.IntegerField()
    damages_severe = models.IntegerField()
    damages_destroyed = models.IntegerField()

    class Meta:
        indexes = [
            # The facts of the attacks a transaction changed.
            models.Index(fields=["attack_id"], name="damagefact_attack_idx"),
        ]


class RollupPending(models.Model):
    """An attack a transaction changed (or its weapons, damage or regions), whose
    difference the commit adds to the rollups.

    Rows live only inside their transaction (`tx`, its id): the commit-time
    trigger deletes them as it applies them, so no two writers ever wait on one
    another here.
    """

    tx = models.BigIntegerField()
    published = models.BooleanField(help_text=_("A published snapshot, not the live attack."))
    attack_id = models.BigIntegerField()
    # One commit-time trigger per transaction, however many attacks it changed: a
    # trigger per row would each look up the transaction's rows again, after the first
    # had deleted them, and a large write would take quadratic time.
    first_of_tx = models.BooleanField(
        default=False,
        help_text=_("The transaction's first row: its insert alone fires the commit-time trigger."),
    )

    class Meta:
        indexes = [
            # The commit-time trigger takes its own transaction's attacks.
            models.Index(fields=["tx", "attack_id"], name="rolluppending_tx_idx"),
        ]
