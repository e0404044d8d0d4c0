"""Pacing per sender, shared by every worker on every machine.

Twilio accepts about one segment a second from a US long code (3 from toll-free, 100+ from a
short code); sending faster only fills Twilio's own queue, where quiet hours, opt-outs and
cancellation can no longer reach a message. Each sender has one database row holding its next
free slot; a send reserves `segments / rate` seconds from that slot under a row lock.

Emergency messages and replies always reserve (waiting for their slot); bulk messages reserve
only when a slot is free within one slot's time, and otherwise back off, so replies go first.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from messaging.models import Priority, SenderPace


@dataclass(frozen=True)
class Slot:
    reserved: bool
    wait_seconds: float  # until the reserved slot, or until trying again when not reserved


def reserve(*, sender: str, segments: int, priority: int, now: datetime) -> Slot:
    rate = float(settings.SMS_RATE_PER_SECOND)
    if rate <= 0:
        return Slot(reserved=True, wait_seconds=0.0)
    cost = timedelta(seconds=max(segments, 1) / rate)
    SenderPace.objects.get_or_create(sender=sender, defaults={"next_free_at": now})
    with transaction.atomic():
        pace = SenderPace.objects.select_for_update().get(sender=sender)
        slot = max(now, pace.next_free_at)
        wait = (slot - now).total_seconds()
        if priority == Priority.BULK and slot - now > timedelta(seconds=1 / rate):
            return Slot(reserved=False, wait_seconds=wait)
        pace.next_free_at = slot + cost
        pace.save(update_fields=["next_free_at"])
    return Slot(reserved=True, wait_seconds=wait)
