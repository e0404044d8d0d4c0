import sys
import uuid

from messaging.backends.base import BaseBackend, SendRequest, SendResult


class ConsoleBackend(BaseBackend):
    """Development: print each SMS to standard output (never to the logs) and accept it."""

    sender_key = "console"

    def send(self, request: SendRequest) -> SendResult:
        sys.stdout.write(f"--- SMS #{request.message_id} to {request.to} ---\n{request.body}\n\n")
        sys.stdout.flush()
        return SendResult(provider_sid=f"SMconsole{uuid.uuid4().hex}", status="queued")
