"""Celery tasks for escalations: thin, by id, one service each."""

from escalations import notifications
from selfcare.celery import app


@app.task(name="escalations.notify_clinician", acks_late=True, reject_on_worker_lost=True)
def notify_clinician_task(escalation_id: int, step: int = 0) -> None:
    notifications.notify_step(escalation_id=escalation_id, step=step)


@app.task(name="escalations.email_send")
def email_send_task(notification_id: int) -> None:
    """One email notice; if the server refuses, the tick's sweep tries again with backoff."""
    notifications.email_send(notification_id=notification_id)
