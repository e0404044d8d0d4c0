"""Middleware of the people layer: in the admin, times are shown in the signed-in clinician's
own time zone."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from selfcare.clock import clinic_zone

ADMIN_PREFIX = "/admin/"


def clinician_time_zone(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """In the admin, times are shown in the signed-in clinician's own time zone (their
    `time_zone`, else the clinic's), never in UTC: Django's admin renders every date and time
    in the active zone."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(ADMIN_PREFIX) or not request.user.is_authenticated:
            return get_response(request)
        clinician = getattr(request.user, "clinician", None)
        timezone.activate(clinician.zone if clinician else clinic_zone())
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
