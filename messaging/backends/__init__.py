"""SMS backends, chosen by settings.SMS_BACKEND: an alias or a dotted path to a class.

Like Django's email backends: `console` prints, `locmem` collects an `outbox` for tests,
`twilio` sends for real. Only messaging/backends/twilio.py imports the twilio package.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.backends.base import BaseBackend

ALIASES = {
    "console": "messaging.backends.console.ConsoleBackend",
    "locmem": "messaging.backends.locmem.LocmemBackend",
    "twilio": "messaging.backends.twilio.TwilioBackend",
}


@cache
def _backend(path: str) -> BaseBackend:
    backend: BaseBackend = import_string(ALIASES.get(path, path))()
    return backend


def get_backend() -> BaseBackend:
    """The configured backend (one instance per process and setting)."""
    return _backend(settings.SMS_BACKEND)
