"""Twilio webhooks and the development phone."""

import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Patient
from accounts.services import sign_in_links_filled
from messaging.backends.twilio import signature_is_valid
from messaging.inbound import (
    SID_MAX,
    inbound_is_urgent,
    inbound_malformed,
    inbound_process,
    inbound_set_aside,
    inbound_store,
)
from messaging.models import Direction, Message
from messaging.outbox import replies_send_now, status_callback_record

logger = logging.getLogger(__name__)

ERROR_CODE_DIGITS = 6  # Twilio's error codes have five digits
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed_by_twilio(request: HttpRequest) -> bool:
    # Twilio signs the URL it called: the public one, not the internal host behind the proxy.
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    return signature_is_valid(url, request.POST, request.headers.get("X-Twilio-Signature", ""))


def receive_sms(params: Any) -> HttpResponse:
    """Store, then handle, one inbound SMS; answer with empty TwiML.

    A text that needs an answer now (a keyword, safety words, an answer to an open check-in) is
    handled here and its replies, emergency advice first, are sent before the response returns.
    Any other text, and any whose handling fails here, is left stored for `inbound_drain`, which
    a worker runs every 2 s; never a 500 once the message is stored.
    """
    try:
        message, created = inbound_store(params=params)
    except ValueError:
        return HttpResponseBadRequest("MessageSid missing")
    if not created:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    if inbound_malformed(params):
        inbound_set_aside(message=message)
        return HttpResponseBadRequest("malformed From or MessageSid: stored for review")
    try:
        if not inbound_is_urgent(message):
            return HttpResponse(EMPTY_TWIML, content_type="text/xml")  # for inbound_drain
        reply_ids = inbound_process(message_id=message.pk)
    except Exception:
        logger.exception("sms %s: processing failed; left for inbound_drain", message.pk)
    else:
        replies_send_now(reply_ids)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """POST /hooks/twilio/sms/: an SMS from a patient (or anyone)."""
    if not _signed_by_twilio(request):
        logger.warning("sms webhook: bad or missing signature")
        return HttpResponseForbidden("invalid signature")
    return receive_sms(request.POST)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """POST /hooks/twilio/status/?m=<our id>: a delivery status change."""
    if not _signed_by_twilio(request):
        logger.warning("status webhook: bad or missing signature")
        return HttpResponseForbidden("invalid signature")
    code = request.POST.get("ErrorCode", "")
    readable_code = code.isdigit() and len(code) <= ERROR_CODE_DIGITS
    status_callback_record(
        message_id=request.GET.get("m"),
        provider_sid=request.POST.get("MessageSid", "")[:SID_MAX],
        status=request.POST.get("MessageStatus", "").lower(),
        error_code=int(code) if readable_code else None,
    )
    if code and not readable_code:  # the status is kept; the code cannot be a Twilio code
        return HttpResponseBadRequest("ErrorCode is not a Twilio error code")
    return HttpResponse(status=200)


@staff_member_required
@require_http_methods(["GET", "POST"])
def dev_phone(request: HttpRequest) -> HttpResponse:
    """Development only: text the app as one of your patients, through the webhook's own path."""
    if not settings.DEBUG:
        raise Http404
    patients = Patient.objects.visible_to(request.user).order_by("last_name", "first_name")
    patient = None
    if patient_id := request.GET.get("patient") or request.POST.get("patient"):
        patient = get_object_or_404(patients, pk=patient_id)
    if request.method == "POST" and patient is not None:
        body = request.POST.get("body", "")
        params = QueryDict(mutable=True)
        params.update(
            {
                "MessageSid": f"SMdev{uuid.uuid4().hex}",
                "AccountSid": settings.TWILIO_ACCOUNT_SID or "ACdevelopment",
                "From": str(patient.phone),
                "To": settings.TWILIO_FROM_NUMBER or "+15005550006",
                "Body": body,
                "NumMedia": "0",
            }
        )
        receive_sms(params)
        return HttpResponseRedirect(f"{reverse('dev-phone')}?patient={patient.pk}")
    conversation = (
        list(Message.objects.filter(patient=patient).order_by("created_at", "pk"))
        if patient
        else []
    )
    for message in conversation:  # as the phone shows them: a live link where one was sent
        if patient is not None and message.direction == Direction.OUT and message.provider_sid:
            message.body = sign_in_links_filled(message.body, patient=patient)
    return render(
        request,
        "messaging/dev_phone.html",
        {"patients": patients, "patient": patient, "conversation": conversation},
    )
