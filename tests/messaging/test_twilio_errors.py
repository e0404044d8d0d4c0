"""TwilioBackend's error classification, with the real twilio client and a fake HTTP layer.

The fake returns what Twilio's API returns (twilio 9.13 turns a JSON body with `code` and
`message` into TwilioRestException, an RFC 9457 body with type/title/status/code into
TwilioServiceException, and a body that is not JSON into TwilioRestException whose code is the HTTP
status), or raises what `requests` raises.
"""

import json
import logging
from typing import Any

import pytest
import requests
from twilio.http import HttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response

from messaging.backends.base import (
    PermanentSendError,
    SendError,
    SendRequest,
    TransientSendError,
)
from messaging.backends.twilio import TwilioBackend

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
REQUEST = SendRequest(
    message_id=1,
    to="+12015550123",
    body="hello",
    status_callback="https://selfcare.example.org/hooks/twilio/status/?m=1",
)


class FakeHttpClient(HttpClient):
    """Answer every request with one canned response, or raise one exception."""

    def __init__(self, status: int = 201, text: str = "", raises: Exception | None = None):
        super().__init__(logging.getLogger(__name__), is_async=False)
        self.status = status
        self.text = text
        self.raises = raises
        self.requests: list[TwilioRequest] = []

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.requests.append(TwilioRequest(method=method, url=url, data=data, auth=auth))
        if self.raises is not None:
            raise self.raises
        return Response(self.status, self.text, headers={"Content-Type": "application/json"})


def twilio_error(code: int, status: int, message: str = "Twilio says no") -> str:
    """An error body in the format of Twilio's 2010 API."""
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )


def problem_details(code: int, status: int) -> str:
    """An RFC 9457 error body, as Twilio's newer APIs return."""
    return json.dumps(
        {
            "type": f"https://www.twilio.com/docs/errors/{code}",
            "title": "Twilio says no",
            "status": status,
            "code": code,
            "detail": "details",
        }
    )


@pytest.fixture(autouse=True)
def _twilio_settings(settings: Any) -> None:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "fake-auth-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""


def send_with(http_client: HttpClient) -> SendError:
    with pytest.raises(SendError) as caught:
        TwilioBackend(http_client=http_client).send(REQUEST)
    return caught.value


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21610, "Attempt to send to unsubscribed recipient"),
        (21211, "Invalid 'To' Phone Number: +1201555XXXX"),
        (21614, "'To' number is not a valid mobile number"),
        (30005, "Unknown destination handset"),
        (30006, "Landline or unreachable carrier"),
    ],
)
def test_permanent_codes_raise_permanent_send_error(code: int, message: str) -> None:
    error = send_with(FakeHttpClient(400, twilio_error(code, 400, message)))

    assert isinstance(error, PermanentSendError)
    assert error.permanent
    assert error.code == code
    assert error.http_status == 400


def test_a_permanent_code_in_rfc_9457_format_is_permanent() -> None:
    error = send_with(FakeHttpClient(400, problem_details(21610, 400)))

    assert isinstance(error, PermanentSendError)
    assert error.code == 21610


@pytest.mark.parametrize(
    ("status", "text", "code"),
    [
        (429, twilio_error(20429, 429, "Too Many Requests"), 20429),
        (429, "Too Many Requests", None),  # not JSON: no Twilio code, only the HTTP status
        (500, "<html><body>Internal Server Error</body></html>", None),
        (503, twilio_error(20503, 503, "Service Unavailable"), 20503),
        (400, twilio_error(30003, 400, "Unreachable destination handset"), 30003),
        (429, problem_details(20429, 429), 20429),
    ],
    ids=["20429", "429-not-json", "500", "503", "30003", "20429-rfc9457"],
)
def test_rate_limits_outages_and_30003_raise_transient_send_error(
    status: int, text: str, code: int | None
) -> None:
    error = send_with(FakeHttpClient(status, text))

    assert isinstance(error, TransientSendError)
    assert not error.permanent
    assert error.code == code
    assert error.http_status == status


@pytest.mark.parametrize(
    "exception",
    [
        requests.exceptions.Timeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
    ids=["timeout", "connect-timeout", "connection-error"],
)
def test_timeouts_and_connection_failures_raise_transient_send_error(
    exception: Exception,
) -> None:
    http_client = FakeHttpClient(raises=exception)

    error = send_with(http_client)

    assert isinstance(error, TransientSendError)
    assert error.code is None
    assert error.http_status is None
    assert len(http_client.requests) == 1


def test_the_fake_answers_a_success_as_twilio_does() -> None:
    """Control: the same fake with a 201 body makes send() succeed, so the errors above come from
    the responses and not from the fake."""
    body = json.dumps({"sid": "SM" + "a" * 32, "status": "queued", "num_segments": "1"})
    http_client = FakeHttpClient(201, body)

    result = TwilioBackend(http_client=http_client).send(REQUEST)

    assert result.provider_sid == "SM" + "a" * 32
    assert result.status == "queued"
    assert result.segments == 1
    sent = http_client.requests[0]
    assert sent.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert isinstance(sent.data, dict)
    assert sent.data["To"] == REQUEST.to


def test_bad_credentials_are_retried_not_failed_at_once() -> None:
    # A credentials mistake must not fail every message in the outbox before an operator fixes it.
    error = send_with(FakeHttpClient(401, twilio_error(20003, 401, "Authenticate")))

    assert isinstance(error, TransientSendError)
    assert error.code == 20003
