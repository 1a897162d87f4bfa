"""Pages. Each view asks a selector for its data and renders a template."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from incidents import selectors
from incidents.models import Attack, Facility, Region


def read_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages are for logged-in users unless PUBLIC_READ=true."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PUBLIC_READ and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


@read_access
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "summary": selectors.dashboard_summary(),
        "recent_attacks": selectors.recent_attacks(limit=15),
        "current_outages": selectors.current_outages(),
    }
    return render(request, "incidents/dashboard.html", context)


@read_access
def attack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    attack = get_object_or_404(selectors.attacks_with_details(), pk=pk)
    return render(request, "incidents/attack_detail.html", {"attack": attack})


@read_access
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_object_or_404(Facility.objects.select_related("region"), pk=pk)
    damages = selectors.facility_damage_history(facility=facility)
    return render(
        request, "incidents/facility_detail.html", {"facility": facility, "damages": damages}
    )


@read_access
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code.upper())
    context = {
        "region": region,
        "attacks": Attack.objects.filter(regions=region).order_by("-started_at")[:50],
        "facilities": region.facilities.order_by("name"),
        "outages": region.outages.order_by("service", "unit", "-as_of"),
        "current_outages": selectors.current_outages(regions=[region]),
    }
    return render(request, "incidents/region_detail.html", context)
