from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents import access

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = _("Data entry")

urlpatterns = [
    # Before the admin's own login: any account may log in, and each lands where its role works.
    path("admin/login/", access.login, name="login"),
    path("admin/", admin.site.urls),
    path("i18n/", include("preferences.urls")),
    path("api/v1/imports/", include("incidents.api.imports")),
    path("api/v1/", include("incidents.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its set-up script as a file, which the Content-Security-Policy allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("incidents.urls")),
]
# MEDIA_ROOT holds uploaded import files (spreadsheets analysts bring, with
# unpublished data): they are read by the import workers only and never served,
# not even with DEBUG.

# A refused page names the role it needs and links back (JSON under /api/).
handler403 = "incidents.access.permission_denied"
