"""A program paused by the clinician: no scheduled check-ins or nudges, texts still handled, the
record says so; and "send a check-in now" at night."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from accounts.models import Clinician, Patient
from care.tasks import tick
from checkins.models import Checkin, CheckinSlot
from checkins.services import checkin_close, checkin_start
from escalations.models import Escalation
from messaging.backends import locmem
from messaging.models import Message
from programs.models import Enrollment, StepNudge
from programs.nudges import nudges_plan
from tests.messaging.helpers import text_in
from tests.programs.content_fixture import make_content

pytestmark = pytest.mark.any_hour


def act(client: Any, patient: Patient, action: str) -> Any:
    return client.post(f"/admin/accounts/patient/{patient.pk}/act/{action}/", follow=True)


def test_a_paused_program_gets_no_check_ins_or_nudges_until_it_resumes(
    admin_client_for: Any,
    clinician: Clinician,
    patient: Patient,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient)
    nudges_plan(enrollment=enrollment)
    tick()  # plans the first check-in
    slot = CheckinSlot.objects.get(patient=patient)
    nudge = StepNudge.objects.order_by("due_at").first()
    staff = admin_client_for(clinician)

    page = act(staff, patient, "pause").content.decode()

    assert "no scheduled check-ins or program texts until you resume" in page
    later = max(slot.due_at, nudge.due_at) + timedelta(minutes=1)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tick()
        tick()
    assert not Checkin.objects.filter(patient=patient).exists()
    assert not Message.objects.filter(patient=patient, template="step_nudge").exists()
    slot.refresh_from_db()
    assert slot.status == "skipped"
    assert CheckinSlot.objects.filter(patient=patient).count() == 1  # nothing new planned

    # The patient's texts are still read and escalated while paused.
    with time_machine.travel(later, tick=True):
        text_in(client, sender=str(patient.phone), body="I can't feel my legs")
    assert Escalation.objects.filter(patient=patient, rule="R21").exists()

    with time_machine.travel(later + timedelta(days=2), tick=True):
        page = act(admin_client_for(clinician), patient, "resume").content.decode()  # signs in anew
        assert "Program resumed" in page
        tick()
    nudge.refresh_from_db()
    assert nudge.status == "due"
    assert nudge.due_at >= later  # moved back by the days paused, not lost
    assert CheckinSlot.objects.filter(patient=patient, status="due").exists()


NIGHT_IN_CHICAGO = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 23:00 CST


def test_check_in_now_at_night_says_when_the_first_question_goes(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    with time_machine.travel(NIGHT_IN_CHICAGO, tick=True):
        page = act(admin_client_for(clinician), patient, "checkin").content.decode()

    assert "the first question goes at 08:00 their time" in page
    assert Checkin.objects.filter(patient=patient, status="open").exists()


def test_a_check_in_ended_before_its_held_question_went_cancels_the_question(
    patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        time_machine.travel(NIGHT_IN_CHICAGO, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        checkin = checkin_start(patient=patient)
    question = Message.objects.get(patient=patient, template__startswith="q_")
    assert question.status == "pending"  # held for the end of quiet hours
    assert locmem.outbox == []

    # Before morning the check-in ends (here superseded, as a web check-in does).
    with time_machine.travel(NIGHT_IN_CHICAGO + timedelta(hours=1), tick=False):
        checkin_close(checkin=checkin, status=Checkin.Status.CANCELLED)
    checkin.refresh_from_db()
    question.refresh_from_db()
    assert checkin.status != "open"
    assert question.status == "cancelled"
