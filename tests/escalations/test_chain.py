"""Care teams and the escalation chain: no emergency waits on one absent clinician."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.models import AuditEvent, CareTeam, Clinician, Patient
from accounts.services import clinician_set_away, team_set_on_call
from escalations.models import Escalation, Notification
from escalations.notifications import notify_step
from escalations.rules import Hit, Severity
from escalations.services import escalate, escalation_acknowledge
from escalations.sweeps import CHAIN_CLAIM, escalations_chain, escalations_sweep
from messaging.backends import locmem
from messaging.models import Message
from tests.factories import Team, make_clinician, make_patient
from tests.messaging.helpers import text_in

# Chains run day and night: at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour


def alerted(since: int = 0) -> list[str]:
    """Phones the clinicians' alert SMS went to, in order, from outbox position `since`."""
    alerts = {m.phone for m in Message.objects.filter(is_staff_alert=True)}
    return [m.to for m in locmem.outbox[since:] if m.to in alerts]


def phone(clinician: Clinician) -> str:
    return str(clinician.phone)


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the tick's escalation sweep at an instant, with its tasks run (eagerly)."""

    def run(at: datetime) -> dict[str, int]:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return escalations_sweep()

    return run


def test_an_emergency_at_2am_with_the_clinician_away_climbs_the_chain_until_the_lead_acks(
    client: Client,
    north: Team,
    south: Team,
    tick: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    patient = north.patient
    zone = ZoneInfo(patient.timezone)
    night = (datetime.now(zone) + timedelta(days=1)).replace(hour=2, minute=0, second=0)
    with time_machine.travel(night - timedelta(hours=6), tick=False):
        clinician_set_away(
            clinician=north.responsible,
            until=night + timedelta(days=3),
            actor=north.responsible.user,
        )
    sent_before = len(locmem.outbox)

    # 02:00: the patient texts the words of cauda equina; the on-call member hears at once.
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=True):
        text_in(client, sender=str(patient.phone), body="I can't pee and my bum is numb")
    escalation = Escalation.objects.get(patient=patient)
    assert escalation.severity == "emergency"
    assert alerted(sent_before) == [phone(north.on_call)]
    advice = [m for m in locmem.outbox[sent_before:] if m.to == str(patient.phone)]
    assert len(advice) == 1
    assert "emergency" in advice[0].body
    alert = Message.objects.get(is_staff_alert=True, phone=phone(north.on_call))
    assert f"ACK {escalation.ack_code}" in alert.body
    assert "your team's patients" in alert.body
    assert patient.first_name not in alert.body
    assert patient.last_name not in alert.body

    # 02:14: nobody acknowledged yet, and nothing more is sent.
    before_step = len(locmem.outbox)
    assert tick(night + timedelta(minutes=14))["chain_steps"] == 0
    assert alerted(before_step) == []
    # 02:15: the on-call member and the lead.
    assert tick(night + timedelta(minutes=15, seconds=5))["chain_steps"] == 1
    assert sorted(alerted(before_step)) == sorted([phone(north.on_call), phone(north.lead)])
    assert tick(night + timedelta(minutes=16))["chain_steps"] == 0  # each step once

    # 02:20: the lead replies ACK from their phone; the chain stops, the patient is told once.
    before_ack = len(locmem.outbox)
    with (
        time_machine.travel(night + timedelta(minutes=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        text_in(client, sender=phone(north.lead), body=f"ack {escalation.ack_code}")
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged"
    assert escalation.acknowledged_by == north.lead.user
    to_lead = [m.body for m in locmem.outbox[before_ack:] if m.to == phone(north.lead)]
    assert to_lead == [
        f"SelfCare: alert {escalation.ack_code} acknowledged. No one else will be alerted for it."
    ]
    told = [m.body for m in locmem.outbox[before_ack:] if m.to == str(patient.phone)]
    assert told == [
        "SelfCare: your care team has seen your message and will be in touch. "
        "For an emergency call 911."
    ]
    assert AuditEvent.objects.filter(
        actor=north.lead.user, patient=patient, detail="acknowledged by SMS"
    ).exists()
    # The lead's ACK never became a patient's text.
    assert not Escalation.objects.exclude(pk=escalation.pk).exists()

    later = len(locmem.outbox)
    for minutes in (35, 50, 120):
        assert tick(night + timedelta(minutes=minutes))["chain_steps"] == 0
    assert locmem.outbox[later:] == []
    # A second ACK: already done, nothing else happens, the patient is not told again.
    with time_machine.travel(night + timedelta(minutes=40), tick=False):
        text_in(client, sender=phone(north.on_call), body=f"ACK {escalation.ack_code}")
    again = [m for m in locmem.outbox[later:]]
    assert [m.to for m in again] == [phone(north.on_call)]
    assert "already acknowledged by" in again[0].body

    # Nothing crossed to the other team: no alert, and its members cannot use the code.
    south_phones = {phone(c) for c in (south.responsible, south.on_call, south.lead, south.member)}
    assert not Message.objects.filter(is_staff_alert=True, phone__in=south_phones).exists()
    with time_machine.travel(night + timedelta(minutes=41), tick=False):
        text_in(client, sender=phone(south.lead), body=f"ACK {escalation.ack_code}")
    refusal = locmem.outbox[-1]
    assert refusal.to == phone(south.lead)
    assert "no open alert of yours has the code" in refusal.body
    notifications = Notification.objects.filter(escalation=escalation, channel="sms")
    assert sorted((n.clinician.user.username, n.step) for n in notifications) == [
        ("north-lead", 1),
        ("north-oncall", 0),
        ("north-oncall", 1),
    ]
    # Email too, to the same people, with the code.
    assert {m.to[0] for m in mail.outbox} == {north.on_call.email, north.lead.email}
    assert all(f"ACK {escalation.ack_code}" in m.body for m in mail.outbox)


def test_later_steps_reach_the_whole_team_a_period_apart(north: Team, tick: Any) -> None:
    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    start = escalation.created_at

    tick(start + timedelta(minutes=2))  # the first step, as if its own task was lost
    assert [n.clinician_id for n in Notification.objects.filter(channel="sms")] == [
        north.responsible.pk
    ]
    tick(start + timedelta(minutes=18))
    tick(start + timedelta(minutes=34))
    by_step: dict[int, set[str]] = {}
    for n in Notification.objects.filter(channel="sms"):
        by_step.setdefault(n.step, set()).add(n.clinician.user.username)  # type: ignore[union-attr, arg-type]
    assert by_step == {
        0: {"north-resp"},
        1: {"north-oncall", "north-lead"},
        2: {"north-resp", "north-oncall", "north-lead", "north-member"},
    }


def test_same_day_steps_after_two_hours_and_others_from_their_due_time(
    north: Team, tick: Any
) -> None:
    same_day = escalate(patient=north.patient, hit=Hit("R5", Severity.SAME_DAY, "weak"))
    routine = escalate(patient=north.patient, hit=Hit("R19", Severity.ROUTINE, "silent"))
    start = same_day.created_at

    tick(start + timedelta(minutes=2))
    tick(start + timedelta(minutes=110))
    assert set(Notification.objects.filter(escalation=same_day).values_list("step", flat=True)) == {
        0
    }
    tick(start + timedelta(minutes=125))
    assert set(Notification.objects.filter(escalation=same_day).values_list("step", flat=True)) == {
        0,
        1,
    }
    assert not Notification.objects.filter(escalation=routine).exists()  # not due yet
    tick(routine.due_at + timedelta(minutes=1))
    assert set(Notification.objects.filter(escalation=routine).values_list("step", flat=True)) == {
        0
    }


def test_a_clinician_in_no_team_is_told_at_every_step(
    patient: Patient, clinician: Clinician, tick: Any
) -> None:
    escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    for minutes in (2, 18, 34):
        tick(escalation.created_at + timedelta(minutes=minutes))

    steps = Notification.objects.filter(escalation=escalation, channel="sms")
    assert [(n.clinician_id, n.step) for n in steps] == [
        (clinician.pk, 0),
        (clinician.pk, 1),
        (clinician.pk, 2),
    ]


def test_away_with_the_on_call_member_away_too_goes_to_the_lead(north: Team) -> None:
    until = datetime.now(ZoneInfo("UTC")) + timedelta(days=1)
    Clinician.objects.filter(pk__in=[north.responsible.pk, north.on_call.pk]).update(
        away_until=until
    )
    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))

    assert notify_step(escalation_id=escalation.pk, step=0)

    [notice] = Notification.objects.filter(escalation=escalation, channel="sms")
    assert notice.clinician == north.lead


def test_each_step_is_sent_once_however_often_it_is_handed_out(
    north: Team, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    escalation = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    handed: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "escalations.sweeps.notification_enqueue", lambda pk, step: handed.append((pk, step))
    )
    due = escalation.created_at + timedelta(minutes=2)

    with time_machine.travel(due, tick=False):
        assert escalations_chain(now=due) == 1
        assert escalations_chain(now=due) == 0  # a second scheduler finds it claimed
    # The task was lost: after the claim runs out, the same step is handed out again.
    later = due + CHAIN_CLAIM + timedelta(seconds=1)
    assert escalations_chain(now=later) == 1
    assert handed == [(escalation.pk, 0), (escalation.pk, 0)]
    # Both deliveries run: the first sends, the repeat finds the step done.
    assert notify_step(escalation_id=escalation.pk, step=0, now=later)
    assert not notify_step(escalation_id=escalation.pk, step=0, now=later)
    assert not notify_step(escalation_id=escalation.pk, step=2, now=later)  # no skipping ahead
    assert Notification.objects.filter(escalation=escalation, channel="sms").count() == 1


def test_acknowledging_in_the_admin_or_api_stops_the_chain_and_tells_the_patient_once(
    north: Team, client: Client, django_capture_on_commit_callbacks: Any, tick: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, sender=str(north.patient.phone), body="I can't pee")
    escalation = Escalation.objects.get()
    escalation_acknowledge(escalation=escalation, user=north.member.user)
    escalation_acknowledge(escalation=escalation, user=north.lead.user)

    told = Message.objects.filter(patient=north.patient, template="care_team_acknowledged")
    assert told.count() == 1
    escalation.refresh_from_db()
    assert (escalation.acknowledged_by, escalation.next_step_at) == (north.member.user, None)
    assert tick(escalation.created_at + timedelta(hours=3))["chain_steps"] == 0


def test_an_escalation_the_patient_said_nothing_for_tells_them_nothing(north: Team) -> None:
    escalation = escalate(patient=north.patient, hit=Hit("R13", Severity.ROUTINE, "re-screen"))

    escalation_acknowledge(escalation=escalation, user=north.responsible.user)

    assert not Message.objects.filter(template="care_team_acknowledged").exists()


def test_other_texts_from_a_clinician_get_help_and_never_reach_a_patient_path(
    client: Client, north: Team
) -> None:
    text_in(client, sender=phone(north.lead), body="I can't pee")  # a clinician testing

    assert not Escalation.objects.exists()
    assert locmem.outbox[-1].to == phone(north.lead)
    assert "reply ACK and its code" in locmem.outbox[-1].body


def test_team_members_see_the_teams_patients_and_no_one_elses(
    north: Team, south: Team, clinician: Clinician
) -> None:
    own = make_patient(clinician=clinician).patient

    assert set(Patient.objects.visible_to(north.member.user)) == {north.patient}
    assert set(Patient.objects.visible_to(south.lead.user)) == {south.patient}
    assert set(Patient.objects.visible_to(clinician.user)) == {own}


def test_only_the_lead_sets_who_is_on_call_and_it_is_audited(north: Team) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        team_set_on_call(team=north.team, member=north.member, actor=north.member.user)
    outsider = make_clinician(username="outsider")
    with pytest.raises(ValidationError):
        team_set_on_call(team=north.team, member=outsider, actor=north.lead.user)

    team_set_on_call(team=north.team, member=north.member, actor=north.lead.user)

    north.team.refresh_from_db()
    assert north.team.on_call == north.member
    assert AuditEvent.objects.filter(
        actor=north.lead.user, what=f"care team {north.team.pk}", detail="on call: north-member"
    ).exists()


def test_createclinician_joins_or_creates_the_team(db: Any) -> None:
    call_command("createclinician", "dana", "--email", "d@example.org", "--team", "East", "--lead")
    call_command("createclinician", "eli", "--email", "e@example.org", "--team", "East")

    team = CareTeam.objects.get(name="East")
    assert team.lead is not None
    assert team.lead.user.username == "dana"
    assert sorted(team.members.values_list("user__username", flat=True)) == ["dana", "eli"]


def _acknowledge_a_text(north: Team, severity: Severity) -> Message:
    """The patient texted, a `severity` escalation holds their words, a clinician acknowledges
    it: the one text the patient is sent back."""
    words = Message.objects.create(
        direction="in",
        patient=north.patient,
        phone=str(north.patient.phone),
        body="my leg has gone weak",
        provider_sid=f"SMack{severity}",
    )
    escalation = escalate(
        patient=north.patient, hit=Hit("R25", severity, "the patient's words"), message=words
    )
    escalation_acknowledge(escalation=escalation, user=north.responsible.user)
    return Message.objects.get(patient=north.patient, template="care_team_acknowledged")


def test_the_acknowledgement_text_waits_for_the_end_of_quiet_hours_unless_an_emergency(
    north: Team,
) -> None:
    from messaging.outbox import message_send

    zone = ZoneInfo(north.patient.timezone)
    night = (datetime.now(zone) + timedelta(days=1)).replace(hour=2, minute=0, second=0)
    with time_machine.travel(night, tick=False):
        told = _acknowledge_a_text(north, Severity.SAME_DAY)
        outcome = message_send(message_id=told.pk, now=night)
    assert outcome.status == "pending"
    assert outcome.retry_at is not None
    assert outcome.retry_at.astimezone(zone).hour == north.patient.quiet_hours_end.hour
    assert locmem.outbox == []

    Message.objects.filter(pk=told.pk).delete()
    Escalation.objects.update(status="resolved")
    with time_machine.travel(night, tick=False):
        urgent = _acknowledge_a_text(north, Severity.EMERGENCY)
        assert message_send(message_id=urgent.pk, now=night).status == "queued"
    assert [m.to for m in locmem.outbox] == [str(north.patient.phone)]


def test_a_patient_without_sms_consent_is_not_texted_the_acknowledgement(north: Team) -> None:
    from accounts.services import patient_set_sms_consent

    patient_set_sms_consent(patient=north.patient, state="opted_out", source="sms_keyword")

    told = _acknowledge_a_text(north, Severity.SAME_DAY)

    assert told.status == "suppressed"


def test_a_code_two_of_my_alerts_share_is_refused_politely(client: Client, north: Team) -> None:
    first = escalate(patient=north.patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    second = escalate(
        patient=make_patient(clinician=north.member).patient,
        hit=Hit("R2", Severity.EMERGENCY, "weak"),
    )
    Escalation.objects.filter(pk__in=[first.pk, second.pk]).update(ack_code="4321")

    text_in(client, sender=phone(north.lead), body="ACK 4321")

    assert locmem.outbox[-1].to == phone(north.lead)
    assert "two of your alerts have the code 4321" in locmem.outbox[-1].body
    assert not Escalation.objects.filter(status="acknowledged").exists()
