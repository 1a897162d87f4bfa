"""Writing regions: the first-level units every place is filed under."""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from incidents.models import Region
from incidents.services.base import Links, User, Writes, record_save, remove


def as_multipolygon(geometry: Polygon | MultiPolygon) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=geometry.srid or 4326)
    if not isinstance(geometry, MultiPolygon):
        raise ValidationError(
            gettext("A region boundary must be a polygon, not a %(type)s.")
            % {"type": geometry.geom_type}
        )
    return geometry


def region_save(region: Region, *, user: User, links: Links | None = None) -> Region:
    return record_save(instance=region, user=user, m2m=links)


@transaction.atomic
def region_delete(*, instance: Region, user: User) -> None:
    remove(instance, user=user)


@transaction.atomic
def region_upsert(
    *,
    user: User,
    code: str,
    name_en: str,
    name_uk: str = "",
    kind: str = Region.Kind.OBLAST,
    boundary: Polygon | MultiPolygon | None = None,
    keep_boundary: bool = False,
) -> tuple[Region, bool]:
    """Create or update a region by its ISO code; returns (region, created).

    With keep_boundary, a region that already has a boundary keeps it when
    none is given (loading the built-in table never erases polygons).
    """
    region = Region.objects.select_for_update().filter(code=code).first()
    created = region is None
    if region is None:
        region = Region(code=code)
    before = (region.name_en, region.name_uk, region.kind, region.boundary)
    region.name_en = name_en
    region.name_uk = name_uk or region.name_uk
    region.kind = kind
    if boundary is not None:
        region.boundary = as_multipolygon(boundary)
    elif not keep_boundary:
        region.boundary = None
    if not created and before[:3] == (region.name_en, region.name_uk, region.kind):
        old, new = before[3], region.boundary
        if (old is None and new is None) or (
            old is not None and new is not None and old.equals_exact(new, 1e-9)
        ):
            return region, False  # Nothing changed: no write, no history row.
    region_save(region, user=user)
    return region, created


REGION_WRITES = Writes(save=region_save, delete=region_delete)
