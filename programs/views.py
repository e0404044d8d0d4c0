"""Patient pages of the program: sign-in by link, the timeline, step pages, help, language."""

import logging
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from phonenumber_field.phonenumber import to_python as to_phone_number
from sesame.utils import get_user

from accounts.models import Language, Patient, SmsConsent
from accounts.services import patient_login_url
from messaging.models import Priority
from messaging.services import message_queue, redact, replies_send_now
from programs.models import Enrollment, Step, StepText
from programs.services import enrollment_timeline, exercise_log, step_mark_done
from programs.ui import SESSION_SIGNED_IN_AT, no_store, patient_page
from selfcare.clock import local_today

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 15 * 60


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _over_limit(key: str) -> bool:
    """Count a request against a 15-minute window kept in the shared cache.

    Without the cache (Redis down) nothing can be counted, so nothing is sent: the page answers
    as always, and texting LINK, which needs no cache, still works.
    """
    try:
        cache.add(key, 0, RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, RATE_WINDOW_SECONDS)
            count = 1
    except Exception:
        logger.warning("sign-in link limit unavailable (cache down): request refused")
        return True
    return count > settings.LINK_REQUESTS_PER_15_MINUTES


def send_login_link(patient: Patient) -> None:
    """Text the patient a fresh single-use sign-in link now (only with active SMS consent)."""
    message = message_queue(
        patient=patient,
        text="login_link",
        context={"link": patient_login_url(patient=patient)},
        priority=Priority.REPLY,
    )
    replies_send_now([message.pk])  # the patient is waiting for it


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """ "Send me a link": the same answer whether or not the number is known, rate-limited."""
    language = request.GET.get("lang", "en")
    if request.method == "POST":
        language = request.POST.get("lang", language)
        number = to_phone_number(request.POST.get("phone", ""))
        phone = number.as_e164 if number and number.is_valid() else ""
        limited = _over_limit(f"link-ip:{_client_address(request)}") or (
            bool(phone) and _over_limit(f"link-phone:{phone}")
        )
        if phone and not limited:
            patient = Patient.objects.filter(
                phone=phone, status=Patient.Status.ACTIVE, sms_consent=SmsConsent.ACTIVE
            ).first()
            if patient is not None:
                send_login_link(patient)
                logger.info("sign-in link sent to %s", redact(phone))
        if limited:
            logger.warning("sign-in link requests over the limit (%s)", redact(phone))
        return no_store(render(request, "patient/link_sent.html", {"lang": language}))
    return no_store(render(request, "patient/link_request.html", {"lang": language}))


LOGIN_NONCE = "patient_login_nonce"


@csrf_exempt  # checked below with a session-bound nonce instead: see the docstring
@require_http_methods(["GET", "POST"])
def login_landing(request: HttpRequest) -> HttpResponse:
    """The link from the SMS. GET only shows a Continue button (link previews and scanners
    fetch links first and must not use them up); the POST signs in.

    The page sends `Referrer-Policy: no-referrer` so the token in its address goes nowhere, and
    browsers then post its form with `Origin: null`, which Django's CSRF check refuses. So the
    form carries a nonce kept in the session (whose cookie is SameSite=Lax, so a cross-site
    post arrives without it): a forged sign-in fails as it would with Django's token.
    """
    token = request.POST.get("t") or request.GET.get("t", "")
    if request.method == "POST":
        expected = request.session.pop(LOGIN_NONCE, None)
        same_session = expected is not None and constant_time_compare(
            expected, request.POST.get("nonce", "")
        )
        user = authenticate(request, sesame=token) if same_session else None
        if user is not None and hasattr(user, "patient"):
            login(request, user, backend="sesame.backends.ModelBackend")
            request.session[SESSION_SIGNED_IN_AT] = timezone.now().timestamp()
            return no_store(HttpResponseRedirect(reverse("patient-today")))
        valid = False
    else:
        # Checked without using it up: update_last_login=False leaves the token valid.
        user = get_user(request, update_last_login=False) if token else None
        valid = user is not None and hasattr(user, "patient")
    language = user.patient.language if valid and user is not None else "en"
    nonce = secrets.token_urlsafe(16)
    request.session[LOGIN_NONCE] = nonce
    context = {"token": token, "valid": valid, "lang": language, "nonce": nonce}
    return no_store(render(request, "patient/login.html", context), referrer="no-referrer")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return no_store(HttpResponseRedirect(reverse("patient-link")))


def _enrollment(patient: Patient) -> Enrollment:
    enrollment = (
        Enrollment.objects.current().filter(patient=patient).select_related("program").first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


def _texts(steps: list[Step], language: str) -> dict[int, StepText]:
    return {t.step_id: t for t in StepText.objects.filter(step__in=steps, language=language)}


@patient_page
def timeline(request: HttpRequest) -> HttpResponse:
    patient: Patient = request.patient  # type: ignore[attr-defined]
    enrollment = _enrollment(patient)
    today = local_today(timezone.now(), ZoneInfo(patient.timezone))
    entries = enrollment_timeline(enrollment=enrollment, today=today)
    texts = _texts([e.program_step.step for e in entries], patient.language)
    rows = [
        {"entry": e, "text": texts.get(e.program_step.step_id), "week": e.program_step.day // 7 + 1}
        for e in entries
    ]
    return render(
        request,
        "patient/timeline.html",
        {"lang": patient.language, "program": enrollment.program, "rows": rows, "today": today},
    )


@patient_page
@require_http_methods(["GET", "POST"])
def step_page(request: HttpRequest, slug: str) -> HttpResponse:
    patient: Patient = request.patient  # type: ignore[attr-defined]
    enrollment = _enrollment(patient)
    step = Step.objects.filter(slug=slug).first()
    if step is None or not enrollment.program.program_steps.filter(step=step).exists():
        raise Http404
    text = StepText.objects.filter(step=step, language=patient.language).first()
    errors: dict[str, str] = {}
    logged = False
    if request.method == "POST":
        if step.kind == Step.Kind.EXERCISE:
            try:
                pain = int(request.POST.get("pain_during", ""))
            except ValueError:
                pain = -1
            try:
                exercise_log(
                    patient=patient,
                    enrollment=enrollment,
                    step=step,
                    felt=request.POST.get("felt", ""),
                    pain_during=pain,
                )
            except ValidationError as invalid:
                errors = {
                    field: " ".join(messages) for field, messages in invalid.message_dict.items()
                }
            else:
                logged = True
        else:
            step_mark_done(enrollment=enrollment, step=step)
            return HttpResponseRedirect(reverse("patient-today"))
    return render(
        request,
        "patient/step.html",
        {
            "lang": patient.language,
            "step": step,
            "text": text,
            "errors": errors,
            "logged": logged,
            "values": request.POST if errors else {},
            "pain_scale": range(11),
        },
        status=400 if errors else 200,
    )


def help_page(request: HttpRequest) -> HttpResponse:
    """When to get help: open to everyone, signed in or not, one tap from every page."""
    patient = getattr(request.user, "patient", None) if request.user.is_authenticated else None
    language = patient.language if patient else request.GET.get("lang", "en")
    language = language if language in Language.values else "en"
    text = StepText.objects.filter(step__safety_net=True, language=language).first()
    return no_store(render(request, "patient/help.html", {"lang": language, "text": text}))


@patient_page
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the patient's language (pages and SMS alike)."""
    patient: Patient = request.patient  # type: ignore[attr-defined]
    language = request.POST.get("language", "")
    if language in Language.values:
        patient.language = language
        patient.save(update_fields=["language"])
    back = request.POST.get("next", "")
    return HttpResponseRedirect(back if back.startswith("/me/") else reverse("patient-today"))
