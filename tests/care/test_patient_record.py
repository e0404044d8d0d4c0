"""The patient page of the work queue: timeline, chart, and the clinician's actions."""

from typing import Any

from django.utils import timezone

from accounts.models import AuditEvent, Clinician, Patient
from checkins.models import Checkin, Medicine
from escalations.models import Escalation
from escalations.rules import Hit, Severity
from escalations.services import escalate
from programs.models import Enrollment, StartBackScreen
from tests.messaging.helpers import text_in


def page_url(patient: Patient) -> str:
    return f"/admin/accounts/patient/{patient.pk}/change/"


def act(client: Any, patient: Patient, action: str, **data: Any) -> Any:
    return client.post(f"/admin/accounts/patient/{patient.pk}/act/{action}/", data, follow=True)


def test_the_record_shows_one_timeline_and_the_pain_chart(
    admin_client_for: Any, clinician: Clinician, patient: Patient, client: Any
) -> None:
    text_in(client, sender=str(patient.phone), body="HELP")
    escalate(patient=patient, hit=Hit("R23", Severity.H72, "wants contact"))
    staff = admin_client_for(clinician)

    page = staff.get(page_url(patient))

    kinds = {row.kind for row in page.context["timeline"]}
    assert {"SMS from the patient", "SMS to the patient", "Escalation"} <= kinds
    html = page.content.decode()
    assert "Pain over time" in html
    assert "Within 72 hours: wants contact" in html


def test_pause_resume_tier_and_check_in_now(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    act(staff, patient, "pause")
    assert (
        Enrollment.objects.get(patient=patient, status__in=["active", "paused"]).status == "paused"
    )
    act(staff, patient, "resume")
    act(staff, patient, "tier", tier="high")
    assert Enrollment.objects.get(patient=patient, status="active").program.tier == "high"
    response = act(staff, patient, "checkin")
    assert "Check-in sent." in response.content.decode()
    assert Checkin.objects.filter(patient=patient, status="open").exists()
    again = act(staff, patient, "checkin")
    assert "No check-in sent: checkin_already_open." in again.content.decode()
    details = set(
        AuditEvent.objects.filter(patient=patient, what="program").values_list("detail", flat=True)
    )
    assert details == {"pause", "resume", "tier"}
    checkin = Checkin.objects.get(patient=patient, status="open")
    assert (
        AuditEvent.objects.filter(
            patient=patient, action="create", what=f"check-in {checkin.pk}", actor=clinician.user
        ).count()
        == 1
    )  # the refused second one is not recorded


def test_recording_an_opioid_runs_r18(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    act(staff, patient, "medicine", kind="nsaid")
    assert not Escalation.objects.filter(rule="R18").exists()
    act(staff, patient, "medicine", kind="opioid")

    assert Medicine.objects.filter(patient=patient).count() == 2
    escalation = Escalation.objects.get(rule="R18")
    assert escalation.severity == "routine"


def test_gabapentinoid_for_sciatica_runs_r18(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    act(admin_client_for(clinician), patient, "medicine", kind="gabapentinoid", for_sciatica="1")

    assert Escalation.objects.get(rule="R18").patient == patient


def test_a_recorded_medicine_adds_the_medicine_questions(
    patient: Patient, clinician: Clinician
) -> None:
    from checkins.services import _situation, checkin_start

    Medicine.objects.create(patient=patient, kind="snri", recorded_by=clinician.user)
    checkin = checkin_start(patient=patient)

    assert _situation(checkin, {}).has_medicine is True


def test_rescreen_records_a_screen_closes_r13_and_suggests_a_tier_change(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    r13 = escalate(patient=patient, hit=Hit("R13", Severity.ROUTINE, "re-screen"))
    answers = {f"item_{i}": v for i, v in enumerate([0, 0, 0, 0, 1, 1, 1, 1, 3], start=1)}

    response = act(admin_client_for(clinician), patient, "rescreen", **answers)

    assert "Re-screened: high risk. The risk group rose" in response.content.decode()
    assert StartBackScreen.objects.filter(patient=patient).count() == 2
    r13.refresh_from_db()
    assert r13.status == "resolved"
    assert (
        Enrollment.objects.get(patient=patient, status="active").program.tier == "low"
    )  # unchanged


def test_bad_rescreen_answers_change_nothing(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    response = act(admin_client_for(clinician), patient, "rescreen", item_1="7")

    assert "Not done" in response.content.decode()
    assert StartBackScreen.objects.filter(patient=patient).count() == 1


def test_actions_on_another_clinicians_patient_are_404(
    admin_client_for: Any, clinician: Clinician, other_patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    for action in ("pause", "checkin", "medicine", "tier"):
        assert (
            staff.post(
                f"/admin/accounts/patient/{other_patient.pk}/act/{action}/", {"kind": "opioid"}
            ).status_code
            == 404
        )
    assert not Checkin.objects.filter(patient=other_patient).exists()
    assert not Medicine.objects.exists()


def test_the_record_page_queries_are_bounded_with_10000_escalations(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = admin_client_for(clinician)
    # One row to start with: the queue reads a page's notifications in one query, made only
    # when the page has rows.
    escalate(patient=patient, hit=Hit("R23", Severity.H72, "wants contact"))

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url).status_code == 200
        return len(captured.captured_queries)

    for url in (page_url(patient), "/admin/escalations/escalation/"):
        count(url)
    small = {url: count(url) for url in (page_url(patient), "/admin/escalations/escalation/")}
    Escalation.objects.bulk_create(
        [
            Escalation(
                patient=patient,
                rule=f"X{i}",
                severity="routine",
                status="resolved",
                reason="r",
                due_at=timezone.now(),
            )
            for i in range(10_000)
        ],
        batch_size=2000,
    )
    for url, queries in small.items():
        assert count(url) == queries, url
