"""Tests: collect sent messages in `outbox`; make the next sends fail on demand."""

import uuid

from messaging.backends.base import BaseBackend, SendError, SendRequest, SendResult

outbox: list[SendRequest] = []
_failures: list[SendError] = []


def fail_next(*errors: SendError) -> None:
    """The next sends raise these errors, in order, instead of being accepted."""
    _failures.extend(errors)


def reset() -> None:
    outbox.clear()
    _failures.clear()


class LocmemBackend(BaseBackend):
    sender_key = "locmem"

    def send(self, request: SendRequest) -> SendResult:
        if _failures:
            raise _failures.pop(0)
        outbox.append(request)
        return SendResult(provider_sid=f"SMlocmem{uuid.uuid4().hex}", status="queued")
