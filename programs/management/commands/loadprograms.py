"""loadprograms: validate the content library and load it (idempotent; progress is kept)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs import content


class Command(BaseCommand):
    help = "Validate programs/content/ and load its programs and steps into the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Validate only; load nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        library = content.read()
        problems = content.validate(library)
        if problems:
            raise CommandError(
                "The content library has problems:\n" + "\n".join(f"- {p}" for p in problems)
            )
        if options["check"]:
            self.stdout.write(self.style.SUCCESS(f"Content version {library.version} is valid."))
            return
        counts = content.load(library)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded content version {library.version}: {counts['steps']} steps, "
                f"{counts['programs']} programs."
            )
        )
