"""Map layers, statistics and exports; included under /api/v1/."""

from django.urls import path

from incidents.api import layers, popups, stats, views
from incidents.api.views import export_file

# The outage files have always taken the attack filters' names for the dates.
OUTAGE_DATES = {"started_after": "as_of_after", "started_before": "as_of_before"}

urlpatterns = [
    path("map/facilities.geojson", layers.FacilitiesLayer.as_view(), name="map-facilities"),
    path("map/attacks.geojson", layers.AttacksLayer.as_view(), name="map-attacks"),
    path("map/regions.geojson", layers.RegionsLayer.as_view(), name="map-regions"),
    path(
        "map/facilities/<str:pk>/attacks",
        popups.FacilityAttacksView.as_view(),
        name="map-facility-attacks",
    ),
    path("stats/summary", stats.SummaryView.as_view(), name="stats-summary"),
    path("stats/timeline", stats.TimelineView.as_view(), name="stats-timeline"),
    path("stats/regions", stats.RegionsView.as_view(), name="stats-regions"),
    path("stats/weapons", stats.WeaponsView.as_view(), name="stats-weapons"),
    path("outages/series", stats.OutageSeriesView.as_view(), name="outage-series"),
    # The collections' own exports at the URLs they have always had.
    export_file("exports/attacks.csv", views.AttackViewSet, "csv", name="export-attacks"),
    export_file("exports/attacks.hxl.csv", views.AttackViewSet, "hxl", name="export-attacks-hxl"),
    export_file(
        "exports/outages.csv",
        views.OutageReportViewSet,
        "csv",
        name="export-outages",
        renamed=OUTAGE_DATES,
    ),
    export_file(
        "exports/outages.hxl.csv",
        views.OutageReportViewSet,
        "hxl",
        name="export-outages-hxl",
        renamed=OUTAGE_DATES,
    ),
    export_file("exports/facilities.csv", views.FacilityViewSet, "csv", name="export-facilities"),
    export_file("exports/regions.csv", views.RegionViewSet, "csv", name="export-regions"),
]
