"""send_due_checkins: run the scheduler tick once, by hand (the same service as beat's)."""

from typing import Any

from django.core.management.base import BaseCommand

from care.tasks import tick


class Command(BaseCommand):
    help = "Plan, claim and start due check-ins; send reminders; run escalation sweeps."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = tick()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
