"""Pages. Each view asks a selector for its data and renders a template."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from incidents import selectors
from incidents.models import Attack, Facility, OutageReport, Region, WeaponUse
from incidents.templatetags.tracker import outage_figure

# The dashboard's script reads its layers, figures and timeline from here.
API_ROOT = "/api/v1/"


def read_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages are for logged-in users unless PUBLIC_READ=true."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PUBLIC_READ and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def admin_change_url(request: HttpRequest, obj: Model) -> str | None:
    """The admin page that edits `obj`, for users allowed to change it (not in the public view,
    which shows what the public sees)."""
    meta = obj._meta
    if getattr(request, "public_view", False):
        return None
    if not request.user.has_perm(f"{meta.app_label}.change_{meta.model_name}"):
        return None
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        # The model is not registered in the admin on this site.
        return None


def report_query(query: QueryDict) -> str:
    """The report of what the dashboard's filters choose: its dates, regions and audience
    (dashboard/report.js keeps the link in step when the filters change)."""
    params = [
        (name, query[key])
        for name, key in (("from", "started_after"), ("to", "started_before"))
        if query.get(key)
    ]
    params += [("region", code) for code in query.getlist("region") if code]
    if query.get("view") == "public":
        params.append(("view", "public"))
    return "?" + urlencode(params) if params else ""


@read_access
def dashboard(request: HttpRequest) -> HttpResponse:
    """The map page; its layers, figures and timeline come from the API."""
    context = {
        "report_url": reverse("report-period") + report_query(request.GET),
        "regions": selectors.region_choices(),
        "weapon_types": WeaponUse.WeaponType.choices,
        "facility_kinds": Facility.Kind.choices,
        "facility_statuses": Facility.Status.choices,
        "services": OutageReport.Service.choices,
        "verification_statuses": Attack.Verification.choices,
        "dashboard_config": {
            "api": API_ROOT,
            "labels": {
                "kind": dict(Facility.Kind.choices),
                "status": dict(Facility.Status.choices),
                "weapon_type": dict(WeaponUse.WeaponType.choices),
                "service": dict(OutageReport.Service.choices),
                "unit": dict(OutageReport.Unit.choices),
                "qualifier": dict(OutageReport.Qualifier.choices),
                "figure_wording": OutageReport.FIGURE_WORDING,
                "verification_status": dict(Attack.Verification.choices),
            },
            # The page words what the public view holds from these, never from its own numbers.
            "public_view": {
                "delay_hours": settings.PUBLIC_DELAY_HOURS,
                "coordinate_decimals": settings.PUBLIC_COORDINATE_DECIMALS,
            },
        },
    }
    return render(request, "incidents/dashboard.html", context)


@read_access
def attack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attack = selectors.attack_page(pk=pk)
    except Attack.DoesNotExist as missing:
        raise Http404(_("No such attack.")) from missing
    context = {
        "attack": attack,
        "admin_url": admin_change_url(request, attack),
    }
    return render(request, "incidents/attack_detail.html", context)


def facility_point(facility: Facility) -> dict[str, object] | None:
    """The facility's marker for the page's map; None when the reader sees no location
    (the public view shows some facilities by region only)."""
    if facility.location is None:
        return None
    return {
        "lat": facility.location.y,
        "lng": facility.location.x,
        "name": facility.name,
        "status": facility.status,
    }


@read_access
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_object_or_404(Facility.objects.select_related("region"), pk=pk)
    context = {
        "facility": facility,
        "admin_url": admin_change_url(request, facility),
        "damages": selectors.facility_damage_history(facility=facility),
        "restoration_history": selectors.facility_restoration_history(facility=facility),
        "facility_point": facility_point(facility),
    }
    return render(request, "incidents/facility_detail.html", context)


def outage_chart_series(series: list[dict[str, object]]) -> list[dict[str, object]]:
    """The region's outage groups as chart points: time in ms since the epoch, and the figure.

    Each point carries the report's own wording ("over 1,100 buildings") for the tooltip.
    """
    return [
        {
            "service": group["service"],
            "unit": group["unit"],
            "without": capfirst(OutageReport.WITHOUT_SERVICE[group["reports"][0].service]),
            "points": [
                {
                    "x": round(report.as_of.timestamp() * 1000),
                    "y": report.count,
                    "text": outage_figure(report),
                }
                for report in group["reports"]
            ],
        }
        for group in series
    ]


@read_access
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.defer("boundary"), code=code.upper())
    outage_series = selectors.region_outage_series(region=region)
    context = {
        "region": region,
        "admin_url": admin_change_url(request, region),
        "attacks": selectors.region_attacks(region=region, limit=50),
        "facilities": selectors.region_facilities(region=region),
        "outage_series": outage_series,
        "outage_chart_series": outage_chart_series(outage_series),
        "current_outages": selectors.current_outages(regions=[region]),
    }
    return render(request, "incidents/region_detail.html", context)
