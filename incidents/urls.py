from django.urls import path

from incidents import views
from incidents.reports import feed as report_feed
from incidents.reports import views as reports

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("attacks/<int:pk>/", views.attack_detail, name="attack-detail"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility-detail"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
    path("reports/", reports.report_period, name="report-period"),
    path("reports/feed.atom", report_feed.daily_reports_feed, name="report-feed"),
    path("reports/<str:day>/", reports.report_day, name="report-day"),
]
