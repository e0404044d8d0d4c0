"""Celery tasks for check-ins and escalations: thin, by id, one service each."""

import logging

from checkins import services as checkin_services
from escalations import services
from selfcare.celery import app

logger = logging.getLogger(__name__)


@app.task(name="escalations.notify_clinician", acks_late=True, reject_on_worker_lost=True)
def notify_clinician(escalation_id: int) -> None:
    services.notify_clinician(escalation_id=escalation_id)


@app.task(name="checkins.start_slot", acks_late=True, reject_on_worker_lost=True)
def start_slot(slot_id: int) -> None:
    checkin_services.slot_start(slot_id=slot_id)


@app.task(name="checkins.tick")
def tick() -> dict[str, int]:
    """Every minute: plan next slots, claim due ones and start them, remind and expire, and
    run the escalation sweeps. Safe with several schedulers: every step claims its rows."""
    counts = checkin_services.checkins_sweep()  # first: expire old check-ins before new ones
    counts["planned"] = checkin_services.slots_plan()
    claimed = checkin_services.slots_claim()
    for slot_id in claimed:
        start_slot.delay(slot_id)
    counts["claimed"] = len(claimed)
    counts.update(services.escalations_sweep())
    if any(counts.values()):
        logger.info("tick: %s", counts)
    return counts
