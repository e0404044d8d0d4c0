"""Celery tasks for SMS: they take ids, call one service, and own their retries."""

import logging

from django.utils import timezone

from messaging import inbound, outbox
from selfcare.celery import app

logger = logging.getLogger(__name__)

# Waits shorter than this are scheduled on the broker; longer ones are left to the sweeper, since
# long countdowns on Redis are redelivered after its visibility timeout.
SHORT_WAIT_SECONDS = 60


@app.task(name="messaging.message_send", acks_late=True, reject_on_worker_lost=True)
def message_send_task(message_id: int) -> str:
    """Send one outbox row (at most once); reschedule it if pacing or a retry asks for soon."""
    outcome = outbox.message_send(message_id=message_id)
    if outcome.retry_at is not None:
        wait = (outcome.retry_at - timezone.now()).total_seconds()
        if wait < SHORT_WAIT_SECONDS:
            message_send_task.apply_async((message_id,), countdown=max(wait, 0))
    return outcome.status


@app.task(name="messaging.inbound_drain")
def inbound_drain_task() -> int:
    """Every 2 s: handle the inbound texts the webhook left for later (see receive_sms)."""
    return inbound.inbound_drain()


@app.task(name="messaging.outbox_sweep")
def outbox_sweep_task() -> dict[str, int]:
    """Every OUTBOX_SWEEP_SECONDS: send what the outbox holds that is due, expire and recover
    the rest."""
    counts = outbox.outbox_sweep()
    if any(counts.values()):
        logger.info("outbox sweep: %s", counts)
    return counts
