"""Absolute links for texts and emails that leave the site (SMS, clinician email)."""

from django.conf import settings
from django.urls import reverse


def public_url(view: str, *args: object) -> str:
    """The link to `view` (reversed with `args`) at the site's public address."""
    return f"{settings.PUBLIC_BASE_URL}{reverse(view, args=args or None)}"
