"""The REST API v1: one router for the resources, plus the deletion feed."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from incidents.api import reports, views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("attacks", views.AttackViewSet, basename="attack")
router.register("weapon-uses", views.WeaponUseViewSet, basename="weaponuse")
router.register("damages", views.DamageViewSet, basename="damage")
router.register("outages", views.OutageReportViewSet, basename="outagereport")
router.register("sources", views.SourceViewSet, basename="source")
router.register("responses", views.ResponseMeasureViewSet, basename="responsemeasure")

app_name = "api"
urlpatterns = [
    path("deleted/", views.DeletedRecordList.as_view(), name="deleted-list"),
    path("reports/", reports.PeriodReportView.as_view(), name="report-period"),
    path("reports/<str:day>/", reports.DayReportView.as_view(), name="report-day"),
    path("", include("incidents.api.map_urls")),
    *router.urls,
]
