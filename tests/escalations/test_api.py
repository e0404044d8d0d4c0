"""Check-ins and escalations in the API."""

from typing import Any

from rest_framework.test import APIClient

from accounts.models import Clinician, Patient
from checkins.services import checkin_start
from escalations.models import Escalation
from escalations.rules import Hit, Severity
from escalations.services import escalate
from tests.factories import make_patient


def test_start_a_check_in_now_and_read_its_pending_question(
    api: APIClient, patient: Patient
) -> None:
    response = api.post(f"/api/v1/patients/{patient.pk}/checkins/")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["pending_question"]["key"] == "back_pain"
    assert "0 (no pain) to 10" in body["pending_question"]["text"]
    listing = api.get(f"/api/v1/patients/{patient.pk}/checkins/").json()["results"]
    assert [c["id"] for c in listing] == [body["id"]]


def test_a_second_check_in_while_one_is_open_is_409(api: APIClient, patient: Patient) -> None:
    api.post(f"/api/v1/patients/{patient.pk}/checkins/")

    response = api.post(f"/api/v1/patients/{patient.pk}/checkins/")

    assert response.status_code == 409
    assert response.json()["reason"] == "checkin_already_open"


def test_no_sms_check_in_for_a_web_only_or_opted_out_patient(
    api: APIClient, clinician: Clinician
) -> None:
    web_only = make_patient(clinician=clinician, sms_consent=False).patient
    opted_out = make_patient(clinician=clinician).patient
    Patient.objects.filter(pk=opted_out.pk).update(sms_consent="opted_out")

    no_consent = api.post(f"/api/v1/patients/{web_only.pk}/checkins/")
    stopped = api.post(f"/api/v1/patients/{opted_out.pk}/checkins/")

    assert (no_consent.status_code, no_consent.json()["reason"]) == (409, "no_sms_consent")
    assert (stopped.status_code, stopped.json()["reason"]) == (409, "opted_out")


def test_check_ins_of_another_clinicians_patient_are_404(
    api: APIClient, other_patient: Patient
) -> None:
    assert api.get(f"/api/v1/patients/{other_patient.pk}/checkins/").status_code == 404
    assert api.post(f"/api/v1/patients/{other_patient.pk}/checkins/").status_code == 404


def test_check_in_answers_are_listed_by_question_key(
    api: APIClient, client: Any, patient: Patient
) -> None:
    from tests.messaging.helpers import text_in

    checkin_start(patient=patient)
    text_in(client, sender=str(patient.phone), body="6")

    [checkin] = api.get(f"/api/v1/patients/{patient.pk}/checkins/").json()["results"]

    assert checkin["answers"] == {"back_pain": 6}
    assert checkin["pending_question"]["key"] == "leg_pain"


def hit(rule: str, severity: Severity = Severity.H72) -> Hit:
    return Hit(rule, severity, f"{rule} fired")


def test_escalations_list_filters_and_actions(
    api: APIClient, patient: Patient, other_patient: Patient
) -> None:
    emergency = escalate(patient=patient, hit=hit("R1", Severity.EMERGENCY))
    routine = escalate(patient=patient, hit=hit("R15", Severity.ROUTINE))
    escalate(patient=other_patient, hit=hit("R2", Severity.EMERGENCY))

    rows = api.get("/api/v1/escalations/").json()["results"]
    assert [r["id"] for r in rows] == [emergency.pk, routine.pk]  # own patients, soonest due first
    assert set(rows[0]) >= {
        "id",
        "patient",
        "rule",
        "severity",
        "status",
        "due_at",
        "created_at",
        "reason",
    }
    assert [
        r["id"] for r in api.get("/api/v1/escalations/?severity=routine").json()["results"]
    ] == [routine.pk]
    assert api.get("/api/v1/escalations/?severity=bad").status_code == 400

    acknowledged = api.post(f"/api/v1/escalations/{emergency.pk}/acknowledge/")
    assert acknowledged.json()["status"] == "acknowledged"
    resolved = api.post(
        f"/api/v1/escalations/{emergency.pk}/resolve/", {"note": "Sent to ED"}, format="json"
    )
    assert (resolved.json()["status"], resolved.json()["resolution_note"]) == (
        "resolved",
        "Sent to ED",
    )
    assert (
        api.post(f"/api/v1/escalations/{routine.pk}/resolve/", {}, format="json").status_code == 400
    )
    assert [r["id"] for r in api.get("/api/v1/escalations/?status=open").json()["results"]] == [
        routine.pk
    ]


def test_another_clinicians_escalation_is_404(api: APIClient, other_patient: Patient) -> None:
    theirs = escalate(patient=other_patient, hit=hit("R1", Severity.EMERGENCY))

    assert api.post(f"/api/v1/escalations/{theirs.pk}/acknowledge/").status_code == 404
    assert (
        api.post(
            f"/api/v1/escalations/{theirs.pk}/resolve/", {"note": "x"}, format="json"
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_one_active_escalation_per_rule_and_a_more_severe_repeat_raises_it(
    patient: Patient,
) -> None:
    first = escalate(patient=patient, hit=hit("R6", Severity.ROUTINE))
    again = escalate(patient=patient, hit=hit("R6", Severity.EMERGENCY))

    assert first.pk == again.pk
    again.refresh_from_db()
    assert (again.severity, again.evidence_count) == ("emergency", 2)
    assert Escalation.objects.count() == 1
