"""createclinician USERNAME --email … --phone … [--password …] [--team NAME] [--lead]
[--content-editor]"""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import clinician_create, totp_device


class Command(BaseCommand):
    help = "Create a clinician: a staff user in the Clinicians group, with alert phone and email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True, help="Address for alerts and sign-in.")
        parser.add_argument("--phone", default="", help="Mobile number for urgent alerts.")
        parser.add_argument(
            "--password", help="Sign-in password; a random one is generated and printed if omitted."
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--team", default="", help="Care team to join (created if there is none by that name)."
        )
        parser.add_argument("--lead", action="store_true", help="Lead the --team.")
        parser.add_argument(
            "--content-editor",
            action="store_true",
            help="Also in the Content editors group: may change program content in the admin.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["lead"] and not options["team"]:
            raise CommandError("--lead needs --team: the team to lead.")
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            clinician = clinician_create(
                username=options["username"],
                email=options["email"],
                phone=options["phone"],
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                content_editor=options["content_editor"],
                team=options["team"],
                lead=options["lead"],
            )
        except ValidationError as invalid:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in invalid.message_dict.items()
            )
            raise CommandError(problems) from invalid
        editor = ", a content editor" if options["content_editor"] else ""
        if options["team"]:
            role = "lead of" if options["lead"] else "in"
            editor += f", {role} care team {options['team']}"
        self.stdout.write(
            self.style.SUCCESS(f"Created clinician {clinician.user.username}{editor}.")
        )
        if not options["password"]:
            self.stdout.write(f"Password: {password}")
        device = totp_device(user=clinician.user)
        self.stdout.write(
            "Second factor: add this to an authenticator app (it is the QR code's content):\n"
            f"{device.config_url}"
        )
