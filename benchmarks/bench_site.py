"""Settings and URLs for the webhook benchmark: SelfCare's, plus a bare view to compare with.

The bare view does the least the same job needs: validate the same form POST (fields and the
Twilio signature) and insert one row.
"""

from django import forms
from django.conf import settings
from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class InboundForm(forms.Form):
    MessageSid = forms.CharField(max_length=64)
    From = forms.CharField(max_length=32)
    Body = forms.CharField(required=False, max_length=1600)


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature):
        return HttpResponseForbidden()
    form = InboundForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (sid, sender, body) VALUES (%s, %s, %s)",
                [
                    form.cleaned_data["MessageSid"],
                    form.cleaned_data["From"],
                    form.cleaned_data["Body"],
                ],
            )
    except IntegrityError:
        pass
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


urlpatterns = [path("bench/bare/", bare), path("", include("selfcare.urls"))]
