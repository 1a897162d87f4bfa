from django.urls import path

from incidents import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("attacks/<int:pk>/", views.attack_detail, name="attack-detail"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility-detail"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
]
