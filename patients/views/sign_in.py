"""Signing in by link: "send me a link", the landing page of the link, and signing out."""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage, is_ratelimited
from sesame.backends import ModelBackend as SesameBackend

from accounts.models import Patient, SmsConsent
from accounts.phones import e164, redact
from accounts.services import SIGN_IN_STEP
from patients.decorators import no_store
from programs.services import login_link_requested
from selfcare.net import keyed_digest

logger = logging.getLogger(__name__)


def _limited(request: HttpRequest, *, group: str, rate: str, key: Any, fail_closed: bool) -> bool:
    """Count this request against a django-ratelimit window kept in the shared cache.

    Without the cache (Redis down) nothing can be counted: `fail_closed` limits refuse (a link
    request then sends nothing; texting LINK, which needs no cache, still works), the others
    let the request through.
    """
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    except Exception:
        logger.warning("rate limit %s unavailable (cache down)", group)
        return fail_closed


def _over_failure_limit(request: HttpRequest) -> bool:
    """Has this client address used up its failed sign-ins for now? (Counts nothing.)"""
    try:
        usage = get_usage(
            request, group="login-failures", key="ip", rate=settings.LOGIN_FAILURES_RATE
        )
    except Exception:
        return False  # the links are signed: without the cache the limit steps aside
    return bool(usage and usage["should_limit"])


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """ "Send me a link": the same answer, in the same time, whether or not the number is
    known; limited per number and per client address."""
    language = request.GET.get("lang", "en")
    if request.method == "POST":
        language = request.POST.get("lang", language)
        phone = e164(request.POST.get("phone", "")) or ""
        rate = settings.LINK_REQUESTS_RATE
        limited = _limited(request, group="link-ip", rate=rate, key="ip", fail_closed=True) or (
            bool(phone)
            and _limited(
                request,
                group="link-phone",
                rate=rate,
                key=lambda _group, _request: keyed_digest(phone),
                fail_closed=True,
            )
        )
        if phone and not limited:
            patient = Patient.objects.filter(
                phone=phone, status=Patient.Status.ACTIVE, sms_consent=SmsConsent.ACTIVE
            ).first()
            # Known or not, one task is queued and the worker does the rest, so the answer
            # takes as long either way and tells nothing.
            login_link_requested(patient_id=patient.pk if patient else None)
        if limited:
            logger.warning("sign-in link requests over the limit (%s)", redact(phone))
        return no_store(render(request, "patients/link_sent.html", {"lang": language}))
    return no_store(render(request, "patients/link_request.html", {"lang": language}))


LOGIN_NONCE = "patient_login_nonce"
_LINKS = SesameBackend()


def _link_user(token: str) -> Any:
    """The user a sign-in link is for, or None: django-sesame's own check, asked directly
    (`login()` then uses the link up by updating last_login)."""
    return _LINKS.authenticate(None, sesame=token) if token else None


@csrf_exempt  # checked below with a session-bound nonce instead: see the docstring
@require_http_methods(["GET", "POST"])
def login_landing(request: HttpRequest) -> HttpResponse:
    """The link from the SMS. GET only shows a Continue button (link previews and scanners
    fetch links first and must not use them up); the POST signs in.

    The page sends `Referrer-Policy: no-referrer` so the token in its address goes nowhere, and
    browsers then post its form with `Origin: null`, which Django's CSRF check refuses. So the
    form carries a nonce kept in the session (whose cookie is SameSite=Lax, so a cross-site
    post arrives without it): a forged sign-in fails as it would with Django's token.

    The link is checked by django-sesame alone, not through `authenticate()` and its backends:
    a bad link names no one, so django-axes could only count it against everyone at once. Bad
    links are counted per client address instead, and an address over the limit is told to
    wait.
    """
    token = request.POST.get("t") or request.GET.get("t", "")
    if _over_failure_limit(request):
        context = {"lang": request.GET.get("lang", "en"), "valid": False, "too_many": True}
        return no_store(render(request, "patients/login.html", context, status=429))
    user: Any = None
    if request.method == "POST":
        expected = request.session.pop(LOGIN_NONCE, None)
        same_session = expected is not None and constant_time_compare(
            expected, request.POST.get("nonce", "")
        )
        user = _link_user(token) if same_session else None
        if user is not None and hasattr(user, "patient"):
            login(request, user, backend="sesame.backends.ModelBackend")
            return no_store(HttpResponseRedirect(_landing(request)))
        valid = False
    else:
        user = _link_user(token)  # checked, not used up: only signing in changes last_login
        valid = user is not None and hasattr(user, "patient")
    if not valid and token:
        _limited(
            request,
            group="login-failures",
            rate=settings.LOGIN_FAILURES_RATE,
            key="ip",
            fail_closed=False,
        )
    language = user.patient.language if valid else "en"
    nonce = secrets.token_urlsafe(16)
    request.session[LOGIN_NONCE] = nonce
    context = {"token": token, "valid": valid, "lang": language, "nonce": nonce}
    return no_store(render(request, "patients/login.html", context), referrer="no-referrer")


def _landing(request: HttpRequest) -> str:
    """Where a signed-in patient goes: the program step the link names (a link to the
    relaxation step in the flare-up text), else today's page. Only a slug is read, so the link
    can send no one anywhere but a step page."""
    step = request.GET.get(SIGN_IN_STEP, "")
    if slug_re.fullmatch(step):
        return reverse("patients:step", args=[step])
    return reverse("patients:today")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return no_store(HttpResponseRedirect(reverse("patients:link")))
