"""Map layers, statistics and exports; included under /api/v1/."""

from django.urls import path

from incidents.api import export_views, layers, stats

urlpatterns = [
    path("map/facilities.geojson", layers.FacilitiesLayer.as_view(), name="map-facilities"),
    path("map/attacks.geojson", layers.AttacksLayer.as_view(), name="map-attacks"),
    path("map/regions.geojson", layers.RegionsLayer.as_view(), name="map-regions"),
    path("stats/summary", stats.SummaryView.as_view(), name="stats-summary"),
    path("stats/timeline", stats.TimelineView.as_view(), name="stats-timeline"),
    path("stats/regions", stats.RegionsView.as_view(), name="stats-regions"),
    path("stats/weapons", stats.WeaponsView.as_view(), name="stats-weapons"),
    path("outages/series", stats.OutageSeriesView.as_view(), name="outage-series"),
    path("exports/attacks.csv", export_views.AttacksCSV.as_view(), name="export-attacks"),
    path("exports/attacks.hxl.csv", export_views.AttacksHXL.as_view(), name="export-attacks-hxl"),
    path("exports/outages.csv", export_views.OutagesCSV.as_view(), name="export-outages"),
    path("exports/outages.hxl.csv", export_views.OutagesHXL.as_view(), name="export-outages-hxl"),
    path("exports/facilities.csv", export_views.FacilitiesCSV.as_view(), name="export-facilities"),
    path("exports/regions.csv", export_views.RegionsCSV.as_view(), name="export-regions"),
]
