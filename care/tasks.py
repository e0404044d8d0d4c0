"""The tick: every minute, the work that comes due across apps (check-ins, program nudges,
escalation sweeps, emails), each step on its own."""

import logging
from collections.abc import Callable

from checkins import services as checkin_services
from escalations import sweeps
from programs import nudges
from selfcare.celery import app

logger = logging.getLogger(__name__)


# Slots are started in batches, as RapidPro fires campaign events: one broker message per 100
# check-ins keeps the tick fast with 100,000 patients due at once.
START_BATCH = 100


@app.task(name="care.slots_start", acks_late=True, reject_on_worker_lost=True)
def slots_start_task(slot_ids: list[int]) -> None:
    """Start claimed slots; each start is idempotent, so a redelivered batch repeats nothing."""
    for slot_id in slot_ids:
        checkin_services.slot_start(slot_id=slot_id)


@app.task(name="care.tick")
def tick() -> dict[str, int]:
    """Every minute: plan next slots, claim due ones and start them, remind and expire, and
    run the escalation sweeps. Safe with several schedulers: every step claims its rows."""
    counts: dict[str, int] = {}
    # First: expire old check-ins before new ones start.
    _step(counts, "checkins", checkin_services.checkins_sweep)
    _step(counts, "planned", checkin_services.slots_plan)
    _step(counts, "claimed", _start_due_slots)
    _step(counts, "nudged", nudges.nudges_send_due)
    _step(counts, "escalations", sweeps.escalations_sweep)
    _step(counts, "emails_sent", sweeps.emails_sweep)
    if any(counts.values()):
        logger.info("tick: %s", counts)
    return counts


def _start_due_slots() -> int:
    claimed = checkin_services.slots_claim()
    for first in range(0, len(claimed), START_BATCH):
        slots_start_task.delay(claimed[first : first + START_BATCH])
    return len(claimed)


def _step(counts: dict[str, int], name: str, run: Callable[[], int | dict[str, int]]) -> None:
    """Run one step of the tick; a failure is logged and the other steps still run (each step
    records its work only as it does it, so the next tick picks up what this one left)."""
    try:
        result = run()
    except Exception:
        logger.exception("tick: %s failed; the other steps go on", name)
        counts[f"{name}_failed"] = 1
        return
    counts.update(result if isinstance(result, dict) else {name: result})
