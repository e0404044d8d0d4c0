"""How rules fire over time (CLINICAL.md): persistent conditions keep adding evidence, resolved
escalations re-arm after 14 days (emergencies at once), and R10, R11, R12 and R20 work for a
patient enrolled at any point of their episode. Weekly check-ins through the signed webhook,
weeks apart by time travel."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Clinician, Patient
from checkins.catalogue import BY_KEY, AnswerType
from checkins.models import Checkin
from checkins.services import checkin_start
from escalations import rules
from escalations.models import Escalation, ReferralClock
from escalations.rules import Hit, Severity
from escalations.services import escalation_resolve
from tests.care.test_safety import reply
from tests.factories import make_patient


def weekly_check_in(client: Client, patient: Patient, *, back: int, leg: int) -> None:
    """One full SMS check-in: the two scores, "no" to every yes/no, "none" to any list."""
    checkin = checkin_start(patient=patient)
    while checkin.status == Checkin.Status.OPEN and checkin.pending_question:
        question = BY_KEY[checkin.pending_question]
        if question.type == AnswerType.NUMBER:
            answer = str(back if question.key == "back_pain" else leg)
        else:
            answer = "2" if question.type == AnswerType.YES_NO else "0"
        reply(client, patient, answer)
        checkin.refresh_from_db()


@pytest.fixture
def sciatica(clinician: Clinician) -> Patient:
    """A patient with leg pain 6 of 10, enrolled 50 days into their episode."""
    patient = make_patient(clinician=clinician).patient
    Patient.objects.filter(pk=patient.pk).update(
        baseline_leg_pain=6,
        baseline_back_pain=6,
        onset_date=timezone.localdate() - timedelta(days=50),
    )
    patient.refresh_from_db()
    return patient


def weeks(n: int) -> list[time_machine.travel]:
    start = timezone.now()
    return [time_machine.travel(start + timedelta(weeks=w), tick=True) for w in range(1, n + 1)]


def test_leg_pain_still_6_of_6_keeps_r10_open_with_weekly_evidence(
    client: Client, sciatica: Patient
) -> None:
    for week in weeks(5):
        with week:
            weekly_check_in(client, sciatica, back=5, leg=6)

    escalation = Escalation.objects.get(patient=sciatica, rule="R10")
    assert escalation.status == "open"
    assert escalation.evidence_count == 4  # from the second check-in (two answers) on, weekly
    assert ReferralClock.objects.filter(patient=sciatica, kind="3m").count() == 1


def test_five_bad_weeks_raise_r12_once_with_evidence_and_then_r20(
    client: Client, sciatica: Patient
) -> None:
    for week in weeks(5):
        with week:
            weekly_check_in(client, sciatica, back=8, leg=8)

    r12 = Escalation.objects.get(patient=sciatica, rule="R12")
    assert r12.evidence_count == 4  # weeks 2 to 5
    # R20: serious evidence on three or more days in 12 weeks, and under 30% better.
    assert Escalation.objects.filter(patient=sciatica, rule="R20").exists()


def test_a_resolved_r12_comes_back_when_the_pain_is_still_severe_two_weeks_later(
    client: Client, sciatica: Patient, clinician: Clinician
) -> None:
    plan = weeks(6)
    for week in plan[:2]:
        with week:
            weekly_check_in(client, sciatica, back=9, leg=5)
    first = Escalation.objects.get(patient=sciatica, rule="R12")
    with plan[1]:
        escalation_resolve(escalation=first, user=clinician.user, note="Plan reviewed by phone")

    with plan[2]:  # one week after the resolution: not yet re-armed
        weekly_check_in(client, sciatica, back=9, leg=5)
    assert Escalation.objects.filter(patient=sciatica, rule="R12").count() == 1
    with plan[3]:  # two weeks after: the condition still holds, so a new one opens
        weekly_check_in(client, sciatica, back=9, leg=5)
    assert Escalation.objects.filter(patient=sciatica, rule="R12", status="open").count() == 1
    assert Escalation.objects.filter(patient=sciatica, rule="R12").count() == 2


def test_a_resolved_r10_does_not_come_back_in_the_same_episode(
    client: Client, sciatica: Patient, clinician: Clinician
) -> None:
    plan = weeks(6)
    for week in plan[:2]:
        with week:
            weekly_check_in(client, sciatica, back=5, leg=6)
    with plan[1]:
        escalation_resolve(
            escalation=Escalation.objects.get(rule="R10"), user=clinician.user, note="Referred"
        )
    for week in plan[2:]:
        with week:
            weekly_check_in(client, sciatica, back=5, leg=6)

    assert Escalation.objects.filter(patient=sciatica, rule="R10").count() == 1


NOW = timezone.now()


@pytest.mark.parametrize(
    ("hit", "resolved_days_ago", "rearmed"),
    [
        (Hit("R12", Severity.H72, "pain"), None, True),
        (Hit("R12", Severity.H72, "pain"), 13, False),
        (Hit("R12", Severity.H72, "pain"), 14, True),
        (Hit("R11", Severity.H72, "worse"), 30, True),
        (Hit("R1", Severity.EMERGENCY, "ces"), 0, True),  # emergencies: at once, every time
        (Hit("R10", Severity.ROUTINE, "leg"), 90, False),  # once per episode
        (Hit("R10", Severity.ROUTINE, "leg"), None, True),
    ],
)
def test_rearming_table(hit: Hit, resolved_days_ago: int | None, rearmed: bool) -> None:
    resolved = None if resolved_days_ago is None else NOW - timedelta(days=resolved_days_ago)
    assert rules.rearmed(hit, last_resolved_at=resolved, now=NOW) is rearmed
