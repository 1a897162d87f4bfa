"""The domain: regions, facilities, attacks and what they did, and where we know it from.

One module per family of models; every model is importable from here
(`from incidents.models import Attack`). Rules are enforced twice: in `clean()`
(so forms and the API answer with a field-level message) and as database
constraints (so no other path can store a row that breaks them).
"""

from incidents.models.attacks import Attack, Damage, WeaponUse
from incidents.models.base import ExternalId, Tracked, validate_wgs84_point
from incidents.models.facilities import Facility
from incidents.models.imports import ImportJob, _import_upload_to
from incidents.models.outages import OutageReport, ResponseMeasure
from incidents.models.publication import PublicationState, Publishable
from incidents.models.regions import Region
from incidents.models.rollups import (
    AttackFact,
    AttackRollup,
    DamageFact,
    DamageRollup,
    RollupPending,
    WeaponFact,
    WeaponRollup,
)
from incidents.models.sources import Source

__all__ = [
    "Attack",
    "AttackFact",
    "AttackRollup",
    "Damage",
    "DamageFact",
    "DamageRollup",
    "ExternalId",
    "Facility",
    "ImportJob",
    "OutageReport",
    "PublicationState",
    "Publishable",
    "Region",
    "ResponseMeasure",
    "RollupPending",
    "Source",
    "Tracked",
    "WeaponFact",
    "WeaponRollup",
    "WeaponUse",
    "_import_upload_to",  # named by migration 0002
    "validate_wgs84_point",  # named by migration 0001
]
