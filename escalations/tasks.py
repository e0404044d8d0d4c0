"""Celery tasks for check-ins and escalations: thin, by id, one service each."""

import logging

from checkins import services as checkin_services
from escalations import services
from programs import services as program_services
from selfcare.celery import app

logger = logging.getLogger(__name__)


@app.task(name="escalations.notify_clinician", acks_late=True, reject_on_worker_lost=True)
def notify_clinician(escalation_id: int) -> None:
    services.notify_clinician(escalation_id=escalation_id)


# Slots are started in batches, as RapidPro fires campaign events: one broker message per 100
# check-ins keeps the tick fast with 100,000 patients due at once.
START_BATCH = 100


@app.task(name="checkins.start_slots", acks_late=True, reject_on_worker_lost=True)
def start_slots(slot_ids: list[int]) -> None:
    """Start claimed slots; each start is idempotent, so a redelivered batch repeats nothing."""
    for slot_id in slot_ids:
        checkin_services.slot_start(slot_id=slot_id)


@app.task(name="checkins.tick")
def tick() -> dict[str, int]:
    """Every minute: plan next slots, claim due ones and start them, remind and expire, and
    run the escalation sweeps. Safe with several schedulers: every step claims its rows."""
    counts = checkin_services.checkins_sweep()  # first: expire old check-ins before new ones
    counts["planned"] = checkin_services.slots_plan()
    claimed = checkin_services.slots_claim()
    for first in range(0, len(claimed), START_BATCH):
        start_slots.delay(claimed[first : first + START_BATCH])
    counts["claimed"] = len(claimed)
    counts["nudged"] = program_services.nudges_send_due()
    counts.update(services.escalations_sweep())
    if any(counts.values()):
        logger.info("tick: %s", counts)
    return counts
