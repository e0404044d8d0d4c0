"""The printable pre-visit summary: what a clinician reads in a minute before a visit."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Clinician, Patient
from care.summary import visit_summary
from checkins.models import Answer, Checkin, Medicine
from escalations.models import Escalation
from escalations.rules import Clock, Hit, Severity
from escalations.services import clock_start, escalate
from programs.models import Enrollment, Step, StepProgress
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import NO_FLAGS, Team, make_patient
from tests.programs.content_fixture import make_content


def summary_url(patient: Patient) -> str:
    return f"/admin/accounts/patient/{patient.pk}/summary/"


def checked_in(patient: Patient, *, days_ago: int, back: int | None, leg: int | None) -> Checkin:
    """A completed check-in `days_ago` days before the test clock, with its pain answers."""
    at = timezone.now() - timedelta(days=days_ago)
    checkin = Checkin.objects.create(
        patient=patient,
        kind="full",
        status="completed",
        started_at=at,
        expires_at=at + timedelta(hours=48),
    )
    for question, value in (("back_pain", back), ("leg_pain", leg)):
        if value is not None:
            Answer.objects.create(
                checkin=checkin, patient=patient, question=question, value=value, answered_at=at
            )
    return checkin


def page(admin_client_for: Any, clinician: Clinician, patient: Patient) -> str:
    response = admin_client_for(clinician).get(summary_url(patient))
    assert response.status_code == 200
    return str(response.content.decode())


def article(html: str) -> str:
    """The summary itself, without the admin's frame (whose markup carries zone names)."""
    return html.split('<article class="visit-summary">')[1].split("</article>")[0]


def test_pain_change_in_points_and_percent_with_the_responder_rule(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    # Baseline (tests.factories): back 5, leg 2.
    checked_in(patient, days_ago=20, back=6, leg=2)
    checked_in(patient, days_ago=8, back=4, leg=2)
    checked_in(patient, days_ago=1, back=3, leg=3)

    html = page(admin_client_for, clinician, patient)

    assert "mean of the last 2 check-ins (07 Jun and 14 Jun)" in html
    assert "down 1.5 points (30%)" in html  # back: 5 → mean of 4 and 3
    assert "up 0.5 points (25%)" in html  # leg: 2 → mean of 2 and 3
    assert html.count('class="verdict">responder<') == 1
    assert html.count('class="verdict">not a responder<') == 1
    assert "Responder (Ostelo 2008): pain at least 30% or 2 points lower than at baseline." in html
    assert '<svg class="sparkline"' in html
    assert "back pain" in html
    assert "leg pain" in html


def test_no_check_ins_yet_and_no_pain_at_baseline(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    Patient.objects.filter(pk=patient.pk).update(baseline_leg_pain=0)

    html = page(admin_client_for, clinician, patient)

    assert html.count('class="verdict">no check-ins yet<') == 2  # back and leg
    assert 'class="verdict">no pain at baseline<' not in html  # no check-in to compare yet
    assert '<svg class="sparkline"' not in html

    checked_in(patient, days_ago=1, back=5, leg=3)
    html = page(admin_client_for, clinician, patient)

    assert 'class="verdict">no pain at baseline<' in html
    assert "up 3 points<" in html  # no percent of nothing
    assert "the last check-in (14 Jun)" in html


def test_open_escalations_and_clocks_in_words_in_the_clinicians_zone(
    admin_client_for: Any, clinician: Clinician, patient: Patient, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "America/New_York"
    Clinician.objects.filter(pk=clinician.pk).update(time_zone="America/Chicago")
    wants = escalate(patient=patient, hit=Hit("R23", Severity.H72, "Wants to hear from us."))
    Escalation.objects.filter(pk=wants.pk).update(due_at=datetime(2026, 6, 18, 17, 0, tzinfo=UTC))
    done = escalate(patient=patient, hit=Hit("R7", Severity.H24, "Night pain, resolved."))
    Escalation.objects.filter(pk=done.pk).update(status="resolved")
    clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())

    html = page(admin_client_for, clinician, patient)

    assert (
        "<strong>Within 72 hours</strong>: Wants to hear from us. — due Thu 18 Jun 12:00 CDT"
        in html
    )
    assert "Night pain, resolved." not in html
    assert "2-week referral: deadline " in html
    assert "CDT" in html
    assert "Printed</dt><dd>15 Jun 2026 12:00 CDT" in html  # the viewer's clock
    for raw in ("UTC", "R23", "72h", "2w", "America/Chicago"):
        assert raw not in article(html), raw


def test_flags_sites_and_medicines_as_labels(admin_client_for: Any, clinician: Clinician) -> None:
    flagged = make_patient(clinician=clinician, flags={**NO_FLAGS, "cancer_history": True}).patient
    Patient.objects.filter(pk=flagged.pk).update(pain_sites=["lower_back", "left_buttock_leg"])
    Medicine.objects.create(
        patient=flagged, kind="gabapentinoid", for_sciatica=True, recorded_by=clinician.user
    )
    Medicine.objects.create(
        patient=flagged, kind="opioid", recorded_by=clinician.user, stopped_at=timezone.now()
    )

    html = page(admin_client_for, clinician, flagged)

    assert "<li>History of cancer</li>" in html
    assert "Immunosuppressed" not in html
    assert "<li>Lower back</li>" in html
    assert "<li>Left buttock or leg</li>" in html
    assert "<li>Gabapentinoid (for sciatica), recorded 15 Jun 2026</li>" in html
    assert "Opioid" not in html  # stopped
    for raw in ("cancer_history", "lower_back", "left_buttock_leg", "gabapentinoid", "["):
        assert raw not in article(html), raw


def test_no_flags_reads_none(admin_client_for: Any, clinician: Clinician, patient: Patient) -> None:
    html = page(admin_client_for, clinician, patient)

    assert "<h2>Risk flags</h2>\n      <ul><li>none</li></ul>" in html


def test_header_and_adherence(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient, status="active")
    Enrollment.objects.filter(pk=enrollment.pk).update(
        started_on=enrollment.started_on - timedelta(days=5)
    )
    StepProgress.objects.create(
        enrollment=enrollment, step=Step.objects.get(slug="when-to-get-help")
    )
    checked_in(patient, days_ago=2, back=4, leg=2)
    checked_in(patient, days_ago=9, back=None, leg=None)  # sent, never answered
    checked_in(patient, days_ago=16, back=5, leg=2)
    checked_in(patient, days_ago=50, back=5, leg=2)  # before the six weeks

    html = page(admin_client_for, clinician, patient)

    assert f"<h1>{patient} <span" in html
    assert f"ending …{str(patient.phone)[-4:]}" in html
    assert "Low risk (STarT Back)" in html
    assert f"{enrollment.program}, day 6 of {enrollment.program.weeks * 7}" in html
    assert f"Responsible</dt><dd>{clinician}</dd>" in html
    assert "Check-ins, last 6 weeks: 2 answered of 3 sent" in html
    assert "Program steps: 1 done of 3 due so far" in html  # days 0, 1 and 3


def test_another_teams_patient_is_404_and_a_team_member_may_print(
    admin_client_for: Any, north: Team, south: Team
) -> None:
    assert admin_client_for(north.member).get(summary_url(south.patient)).status_code == 404
    assert admin_client_for(north.member).get(summary_url(north.patient)).status_code == 200
    assert not AuditEvent.objects.filter(patient=south.patient, what="pre-visit summary").exists()


def test_each_view_is_audited_and_the_page_has_no_sign_in_link(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    html = page(admin_client_for, clinician, patient)

    assert (
        AuditEvent.objects.filter(
            patient=patient, actor=clinician.user, action="view", what="pre-visit summary"
        ).count()
        == 1
    )
    assert "sesame" not in html.lower()
    assert PUBLIC_BASE_URL not in html
    assert "care/summary.css" in html
    assert "care/print.js" in html
    assert "data-print" in html


def test_the_record_links_to_the_summary(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    record = admin_client_for(clinician).get(f"/admin/accounts/patient/{patient.pk}/change/")

    assert f'href="{summary_url(patient)}">Pre-visit summary</a>' in record.content.decode()


def test_queries_do_not_grow_with_history(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    make_content()
    checked_in(patient, days_ago=1, back=4, leg=2)
    escalate(patient=patient, hit=Hit("R23", Severity.H72, "wants contact"))
    staff = admin_client_for(clinician)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as direct:
            visit_summary(Patient.objects.get(pk=patient.pk), timezone.now())
        with CaptureQueriesContext(connection) as whole:
            assert staff.get(summary_url(patient)).status_code == 200
        return len(direct.captured_queries), len(whole.captured_queries)

    count()  # warm caches (content types, sessions)
    few = count()
    for days_ago in range(2, 80):
        checked_in(patient, days_ago=days_ago, back=days_ago % 10, leg=days_ago % 7)
    Escalation.objects.bulk_create(
        [
            Escalation(
                patient=patient,
                rule=f"X{i}",
                severity="routine",
                status="open" if i % 2 else "resolved",
                reason=f"reason {i}",
                due_at=timezone.now(),
            )
            for i in range(200)
        ]
    )
    for kind in ("nsaid", "topical", "snri"):
        Medicine.objects.create(patient=patient, kind=kind, recorded_by=clinician.user)
    clock_start(patient=patient, kind=Clock.THREE_MONTHS, rule="R10", now=timezone.now())

    assert count() == few
