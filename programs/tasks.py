"""Celery tasks of the patient pages: they take ids and call one service."""

from programs import services
from selfcare.celery import app


@app.task(name="programs.login_link_send")
def login_link_send_task(patient_id: int | None) -> bool:
    """A "send me a link" request, off the web request: queue the sign-in SMS, if the number
    was a patient's (None: it was not, and there is nothing to do)."""
    return services.login_link_send(patient_id=patient_id)
