"""The real Twilio backend, its HTTP requests redirected to a local mock (TWILIO_MOCK_URL)."""

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient

from messaging.backends.twilio import TwilioBackend


class RedirectingHttpClient(TwilioHttpClient):
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        mock = urlsplit(os.environ["TWILIO_MOCK_URL"])
        parts = urlsplit(url)
        url = urlunsplit((mock.scheme, mock.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


class MockTwilioBackend(TwilioBackend):
    def __init__(self) -> None:
        super().__init__(http_client=RedirectingHttpClient(timeout=10))
