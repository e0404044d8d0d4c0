"""totp_code USERNAME: the clinician's current TOTP code (development runs only)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from accounts.models import User
from accounts.services import totp_device


class Command(BaseCommand):
    help = "Print a clinician's current TOTP code, for trying the embedded run (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code is for development runs only (DJANGO_DEBUG=True).")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        device = totp_device(user=user)
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
