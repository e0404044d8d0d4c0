"""Every session ends at an absolute age however active it is (ASVS V7.3.2): a patient's
after PATIENT_SESSION_MAX_AGE, a clinician's after STAFF_SESSION_MAX_AGE. The idle limit is
SESSION_COOKIE_AGE, renewed by each request."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"


def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: note when this session was signed in (any way: password, link)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()


def max_age(user: Any) -> int:
    return settings.STAFF_SESSION_MAX_AGE if user.is_staff else settings.PATIENT_SESSION_MAX_AGE


def absolute_lifetime(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Sign out a session older than its maximum age (or with no sign-in time) before the view
    runs; the view then sees an anonymous visitor and sends them to sign in."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT, 0)
            if timezone.now().timestamp() - signed_in_at > max_age(user):
                logout(request)
        return get_response(request)

    return middleware


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a sign-in from a locked-out username and address: JSON for the
    API (its token endpoint), text for the admin's form."""
    message = "Too many failed sign-ins for this account from here: try again in 15 minutes."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
