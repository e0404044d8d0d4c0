"""Contract check: TwilioBackend's requests against Prism mocking Twilio's own OpenAPI description.

Prism (tools/prism, installed by `make bootstrap`) serves tools/twilio-oai/twilio_api_v2010.json
and rejects requests that do not match it (422 for a bad body or path parameter, 401 without basic
auth). The real twilio client is used; only the host of its *.twilio.com URLs is changed.
"""

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from messaging.backends.base import PermanentSendError, SendRequest
from messaging.backends.twilio import TwilioBackend

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC = PROJECT_ROOT / "tools" / "twilio-oai" / "twilio_api_v2010.json"  # vendored, MIT
PRISM = PROJECT_ROOT / "tools" / "prism" / "node_modules" / ".bin" / "prism"
STARTUP_TIMEOUT_SECONDS = 30

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM_NUMBER = "+15005550006"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
REQUEST = SendRequest(
    message_id=1,
    to="+12015550123",
    body="hello",
    status_callback="https://selfcare.example.org/hooks/twilio/status/?m=1",
)


class RedirectingHttpClient(TwilioHttpClient):
    """Send every *.twilio.com request to base_url (the Prism mock), keeping path and query."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)
        self.requested_urls: list[str] = []  # as the twilio client built them

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.requested_urls.append(url)
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith(".twilio.com"):
            url = urlunsplit(
                (self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment)
            )
        return super().request(method, url, *args, **kwargs)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `prism mock` on a free port (the binary itself, one PID) and yield its base URL."""
    if not PRISM.exists():
        pytest.fail(f"Prism is not installed ({PRISM} is missing): run `make bootstrap`")
    if not SPEC.is_file():
        pytest.fail(f"Twilio's OpenAPI description is missing: expected {SPEC}")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                output = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(
                    f"Prism did not answer on port {port} within {STARTUP_TIMEOUT_SECONDS} s "
                    f"(exit code {process.returncode}); output:\n{output}"
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@pytest.fixture
def http_client(prism_url: str) -> RedirectingHttpClient:
    return RedirectingHttpClient(prism_url, timeout=10)


@pytest.fixture
def from_number(settings: Any) -> None:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "fake-auth-token"
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""


@pytest.fixture
def messaging_service(settings: Any) -> None:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "fake-auth-token"
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID


def _sent_form(http_client: RedirectingHttpClient) -> dict[str, str]:
    """The last request's form fields, after checking that it created a Message and got a 201."""
    request = http_client._test_only_last_request
    response = http_client._test_only_last_response
    assert request is not None
    assert response is not None
    assert response.status_code == 201, response.text
    assert request.method == "POST"
    assert urlsplit(http_client.requested_urls[-1]).hostname == "api.twilio.com"
    assert urlsplit(str(request.url)).path == MESSAGES_PATH
    assert request.auth == (ACCOUNT_SID, "fake-auth-token")
    assert isinstance(request.data, dict)
    return dict(request.data)


@pytest.mark.usefixtures("from_number")
def test_send_with_a_from_number_matches_twilios_api(http_client: RedirectingHttpClient) -> None:
    result = TwilioBackend(http_client=http_client).send(REQUEST)

    assert result.provider_sid.startswith("SM")
    assert result.status == "queued"
    assert result.segments == 1
    form = _sent_form(http_client)
    assert form["To"] == REQUEST.to
    assert form["Body"] == REQUEST.body
    assert form["StatusCallback"] == REQUEST.status_callback
    assert form["From"] == FROM_NUMBER
    assert "MessagingServiceSid" not in form


@pytest.mark.usefixtures("messaging_service")
def test_send_with_a_messaging_service_matches_twilios_api(
    http_client: RedirectingHttpClient,
) -> None:
    result = TwilioBackend(http_client=http_client).send(REQUEST)

    assert result.provider_sid.startswith("SM")
    form = _sent_form(http_client)
    assert form["To"] == REQUEST.to
    assert form["Body"] == REQUEST.body
    assert form["StatusCallback"] == REQUEST.status_callback
    assert form["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in form


# Negative controls: Prism really checks requests against the spec, so the tests above would fail
# if ours did not match it.


@pytest.mark.usefixtures("from_number")
def test_prism_rejects_an_account_sid_outside_the_spec(
    settings: Any, http_client: RedirectingHttpClient
) -> None:
    settings.TWILIO_ACCOUNT_SID = "ACnot-hex" + "0" * 25  # right length, wrong pattern

    with pytest.raises(PermanentSendError) as caught:
        TwilioBackend(http_client=http_client).send(REQUEST)

    assert caught.value.http_status == 422
    response = http_client._test_only_last_response
    assert response is not None
    assert "path parameter accountsid must match pattern" in response.text


@pytest.mark.usefixtures("messaging_service")
def test_prism_rejects_a_messaging_service_sid_outside_the_spec(
    settings: Any, http_client: RedirectingHttpClient
) -> None:
    settings.TWILIO_MESSAGING_SERVICE_SID = "MGnot-hex" + "0" * 25

    with pytest.raises(PermanentSendError) as caught:
        TwilioBackend(http_client=http_client).send(REQUEST)

    assert caught.value.http_status == 422
    response = http_client._test_only_last_response
    assert response is not None
    assert "body property MessagingServiceSid must match pattern" in response.text


def test_prism_rejects_a_message_without_to(http_client: RedirectingHttpClient) -> None:
    client = Client(ACCOUNT_SID, "fake-auth-token", http_client=http_client)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=values.unset, from_=FROM_NUMBER, body="no To")

    assert caught.value.status == 422
    response = http_client._test_only_last_response
    assert response is not None
    assert "must have required property 'To'" in response.text


def test_prism_rejects_a_request_without_basic_auth(http_client: RedirectingHttpClient) -> None:
    response = http_client.request(
        "POST",
        f"https://api.twilio.com{MESSAGES_PATH}",
        data={"To": REQUEST.to, "From": FROM_NUMBER, "Body": "no auth"},
    )

    assert response.status_code == 401
