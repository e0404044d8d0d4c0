"""The SMS backend interface."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SendRequest:
    message_id: int  # ours; travels in the status-callback URL
    to: str  # E.164
    body: str
    status_callback: str  # absolute URL, or "" when the backend has no callbacks


@dataclass(frozen=True)
class SendResult:
    provider_sid: str
    status: str  # the provider's initial status, e.g. "queued" or "accepted"
    segments: int | None = None


class SendError(Exception):
    """The provider did not accept the message; `code` is the provider's error code."""

    permanent: bool = False

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class PermanentSendError(SendError):
    """Retrying cannot help: the number is invalid, unreachable or opted out."""

    permanent = True


class TransientSendError(SendError):
    """Retrying later may help: rate limits, provider outages, timeouts."""


class BaseBackend:
    """Send one SMS. Raise PermanentSendError or TransientSendError when it is not accepted."""

    #: The identity paced as one sender (a from-number or messaging service).
    sender_key: str = "default"

    def send(self, request: SendRequest) -> SendResult:
        raise NotImplementedError
