"""The decorators of the patient pages: signed-in patients only, never cached."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Patient


def no_store(response: HttpResponse, *, referrer: str = "same-origin") -> HttpResponse:
    """Patient pages hold health data: never cached, and their address never sent to another
    site. ("same-origin" rather than "no-referrer": browsers send "Origin: null" with a form
    from a no-referrer page, which fails Django's CSRF check.)"""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = referrer
    return response


def patient_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For signed-in patients only: sends others to the "send me a link" page, and ends a
    discharged patient's session (accounts.sessions ends any that is too old). The page is
    made in the patient's language and time zone, so Django's `date` filter writes "1 dic"
    and times show as the patient's clock does."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        patient = getattr(user, "patient", None) if user.is_authenticated else None
        if patient is None or patient.status == Patient.Status.DISCHARGED:
            if user.is_authenticated and patient is not None:
                logout(request)
            return HttpResponseRedirect(reverse("patients:link"))
        request.patient = patient  # type: ignore[attr-defined]
        with (
            translation.override(patient.language),
            timezone.override(ZoneInfo(patient.timezone)),
        ):
            return no_store(view(request, *args, **kwargs))

    return wrapper
