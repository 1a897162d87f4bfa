"""Where each role lands after logging in, and the page that says which role a page needs.

Analysts and reviewers work in the admin, viewers (and anyone the admin is not
for) on the dashboard. A page a user may not open answers with a page in the
site's layout (the admin's, for admin pages) that names the role it needs,
derived from the role definitions in incidents/roles.py, and links back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from incidents.roles import ROLE_LABELS, role_granting, user_role_label, works_in_admin

# --------------------------------------------------------------------------- logging in


def home_url(user) -> str:
    """Where a user works: the admin for analysts, reviewers and administrators, else the map."""
    return reverse("admin:index") if works_in_admin(user) else reverse("dashboard")


def landing_url(request: HttpRequest, user, wanted: str) -> str:
    """The page to go to after logging in: `wanted` (the `next` parameter) when it is safe
    and of use to this user, else the user's home.

    The admin's index is the admin's default `next`, not a choice: a viewer goes to the
    map instead. Admin pages are kept for anyone the admin lets in (a viewer following a
    link to a record reads it there).
    """
    home = home_url(user)
    if not wanted or not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return home
    path = urlsplit(wanted).path
    admin_index = reverse("admin:index")
    if path == reverse("admin:login"):
        return home
    if path.startswith(admin_index) and (
        not user.is_staff or (path == admin_index and not works_in_admin(user))
    ):
        return home
    return wanted


class RoleLoginView(LoginView):
    """The admin's login page, for every user, landing each where their role works.

    The admin's own login accepts staff accounts only and always continues to the
    admin; this one lets any active account in (the dashboard needs a login unless
    PUBLIC_READ=true) and sends it on by `landing_url`.
    """

    template_name = "admin/login.html"
    authentication_form = AuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        wanted = self.request.POST.get(REDIRECT_FIELD_NAME) or self.request.GET.get(
            REDIRECT_FIELD_NAME, ""
        )
        return landing_url(self.request, self.request.user, wanted)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        context.setdefault("title", _("Log in"))
        context["site_name"] = admin.site.site_header
        # The admin's template posts back to the address in app_path.
        context["app_path"] = self.request.get_full_path()
        return context


def login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
        return HttpResponseRedirect(landing_url(request, request.user, wanted))
    return RoleLoginView.as_view()(request)


# --------------------------------------------------------------------------- refused pages

# What a user was refused in the admin, by the end of the admin URL's name
# (admin:<app>_<model>_<end>); other ends need the view permission.
_ACTION_BY_URL_END = {
    "changelist": "view",
    "add": "add",
    "delete": "delete",
    "history": "view",
}
# Ends whose GET shows a page and whose POST writes (a change form, a revert, a transition).
_WRITES_ON_POST = ("change", "simple_history", "publication")


@dataclass(frozen=True)
class Refusal:
    """What a refused request needed: a sentence naming the role, when it can be known."""

    needs: str | None


def _admin_permission(request: HttpRequest) -> tuple[str, str, str] | None:
    """(app_label.codename, action, model's plural name) an admin URL needs, if it names a model."""
    match = request.resolver_match
    if match is None or match.namespace != "admin" or not match.url_name:
        return None
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if not match.url_name.startswith(prefix):
            continue
        end = match.url_name.removeprefix(prefix)
        if end in _WRITES_ON_POST:
            action = "change" if request.method == "POST" else "view"
        else:
            action = _ACTION_BY_URL_END.get(end, "view")
        return f"{opts.app_label}.{action}_{opts.model_name}", action, str(opts.verbose_name_plural)
    return None


def refusal(request: HttpRequest) -> Refusal:
    found = _admin_permission(request)
    if found is None:
        return Refusal(needs=None)
    permission, action, models = found
    doing = {
        "view": _("Viewing %(models)s"),
        "add": _("Adding %(models)s"),
        "change": _("Changing %(models)s"),
        "delete": _("Deleting %(models)s"),
    }[action] % {"models": models}
    role = role_granting(permission)
    if role is None:
        return Refusal(needs=_("%(doing)s is for administrators only.") % {"doing": doing})
    return Refusal(
        needs=_("%(doing)s needs the %(role)s role.") % {"doing": doing, "role": ROLE_LABELS[role]}
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the refused page in the site's layout, or JSON under the API."""
    if request.path.startswith("/api/"):
        detail = str(exception) if exception and str(exception) else None
        return JsonResponse(
            {"detail": detail or _("You do not have permission to perform this action.")},
            status=403,
        )
    in_admin = request.path.startswith(reverse("admin:index"))
    user = request.user
    context = {
        "needs": refusal(request).needs,
        "reason": str(exception) if isinstance(exception, PermissionDenied) else "",
        "role_label": user_role_label(user) if user.is_authenticated else "",
        "title": _("You cannot open this page"),
    }
    if in_admin:
        context.update(admin.site.each_context(request))
    template = "admin/403.html" if in_admin else "403.html"
    return render(request, template, context, status=403)
