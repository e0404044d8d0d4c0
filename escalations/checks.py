"""System checks for what the clinician alerts need in production."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def email_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Clinician alerts go by SMS and email: a deployment without a mail server would queue
    its emails for ever."""
    if settings.EMAIL_URL:
        return []
    return [
        checks.Error(
            "EMAIL_URL is not set, so clinician alert emails cannot be sent.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.",
            id="selfcare.E001",
        )
    ]
