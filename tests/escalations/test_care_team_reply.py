"""A message for the care team (R24) closes the loop: the clinician reads the patient's words
in the queue, replies by SMS from the admin (in the patient's language setting, audited,
refused without consent), and may tell the patient on resolving that it has been seen."""

from html import unescape
from typing import Any

from django.test import Client

from accounts.models import AuditEvent, Clinician, Patient
from accounts.services import patient_set_sms_consent
from escalations.models import Escalation
from messaging.models import Message
from tests.escalations.test_admin_queue import form
from tests.messaging.helpers import drain_inbound, text_in


def escalation_page(escalation: Escalation) -> str:
    return f"/admin/escalations/escalation/{escalation.pk}/change/"


def message_for_the_team(client: Client, patient: Patient, words: str) -> Escalation:
    text_in(client, sender=str(patient.phone), body=words)
    drain_inbound()
    return Escalation.objects.get(patient=patient, rule="R24")


def test_the_queue_shows_the_words_and_the_clinician_replies_in_the_patients_language(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Client
) -> None:
    Patient.objects.filter(pk=patient.pk).update(language="es")
    escalation = message_for_the_team(client, patient, "¿Puedo ir a la piscina esta semana?")
    staff = admin_client_for(clinician)

    page = staff.get(escalation_page(escalation)).content.decode()
    assert "¿Puedo ir a la piscina esta semana?" in page

    url = escalation_page(escalation)
    response = staff.post(
        url,
        form(staff, url, resolution_note="", reply="Sí, nadar suave está bien.", _reply="1"),
        follow=True,
    )

    assert f"Sent to {patient.first_name}: “Sí, nadar suave está bien.”" in unescape(
        response.content.decode()
    )
    sms = Message.objects.get(template="care_team_reply")  # in the outbox, sent after commit
    assert sms.phone == str(patient.phone)
    assert sms.status == "pending"
    assert sms.body.startswith("SelfCare, de su equipo de salud: Sí, nadar suave está bien.")
    assert AuditEvent.objects.filter(patient=patient, detail="replied by SMS").count() == 1
    assert escalation.evidence.filter(detail="The care team replied by SMS.").exists()


def test_a_reply_is_refused_without_sms_consent(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Client
) -> None:
    escalation = message_for_the_team(client, patient, "who do I call about my appointment")
    patient_set_sms_consent(patient=patient, state="opted_out", source="sms_keyword")

    staff = admin_client_for(clinician)
    url = escalation_page(escalation)
    response = staff.post(
        url,
        form(staff, url, resolution_note="", reply="Call reception on 555 0100", _reply="1"),
        follow=True,
    )

    assert "Not sent: the patient has no active SMS consent." in response.content.decode()
    assert not Message.objects.filter(template="care_team_reply").exists()


def test_resolving_can_tell_the_patient_the_message_was_seen(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Client
) -> None:
    escalation = message_for_the_team(client, patient, "my physio moved my appointment")
    staff = admin_client_for(clinician)

    url = escalation_page(escalation)
    staff.post(
        url, form(staff, url, resolution_note="Noted the new date", tell_patient="on", _resolve="1")
    )

    escalation.refresh_from_db()
    assert escalation.status == "resolved"
    seen = Message.objects.get(patient=patient, template="care_team_seen")
    assert "your care team has seen your message" in seen.body


def test_resolving_without_the_box_texts_nothing(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Client
) -> None:
    escalation = message_for_the_team(client, patient, "thanks for the exercises")

    staff = admin_client_for(clinician)
    url = escalation_page(escalation)
    staff.post(url, form(staff, url, resolution_note="Nothing to do", _resolve="1"))

    assert not Message.objects.filter(template="care_team_seen").exists()
