from django.urls import path
from django.views.i18n import JavaScriptCatalog

from preferences import views

urlpatterns = [
    path("setlang/", views.set_language, name="set_language"),
    # The pages' scripts' words in the request's language, loaded with <script src>
    # (the Content-Security-Policy allows no inline script).
    path("js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
