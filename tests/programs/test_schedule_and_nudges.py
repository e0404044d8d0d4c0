"""Program schedule: due dates, pause and resume, tier change, SMS nudges."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from messaging.models import Message
from programs.models import Enrollment, StepNudge, StepProgress
from programs.nudges import nudges_plan, nudges_send_due
from programs.services import (
    enrollment_change_tier,
    enrollment_pause,
    enrollment_resume,
    enrollment_timeline,
)
from tests.programs.content_fixture import make_content

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour


def test_due_dates_follow_the_start_and_pauses(patient: Any, clinician: Any) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient)
    start = enrollment.started_on

    days = [e.due_on - start for e in enrollment_timeline(enrollment=enrollment, today=start)]
    assert days == [timedelta(0), timedelta(1), timedelta(3)]

    enrollment_pause(enrollment=enrollment, today=start + timedelta(days=1), actor=clinician.user)
    while_paused = enrollment_timeline(enrollment=enrollment, today=start + timedelta(days=4))
    assert [e.due_on - start for e in while_paused][1] == timedelta(4)  # frozen while paused
    enrollment_resume(enrollment=enrollment, today=start + timedelta(days=4), actor=clinician.user)
    after = enrollment_timeline(enrollment=enrollment, today=start + timedelta(days=4))
    # The whole timeline moves back by the days paused.
    assert [e.due_on - start for e in after] == [timedelta(3), timedelta(4), timedelta(6)]


def test_a_tier_change_moves_the_patient_and_keeps_history(patient: Any, clinician: Any) -> None:
    make_content()
    old = Enrollment.objects.get(patient=patient)
    step = old.program.program_steps.first().step
    StepProgress.objects.create(enrollment=old, step=step)

    new = enrollment_change_tier(patient=patient, tier="high", actor=clinician.user)

    old.refresh_from_db()
    assert (old.status, new.status, new.program.tier) == ("ended", "active", "high")
    assert StepProgress.objects.filter(enrollment=old).exists()
    assert enrollment_change_tier(patient=patient, tier="high", actor=clinician.user) == new


def test_due_steps_are_nudged_once_by_sms_with_a_link(
    patient: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient)
    assert nudges_plan(enrollment=enrollment) == 2  # days 1 and 3; day 0 is the welcome
    nudge = StepNudge.objects.order_by("due_at").first()

    with time_machine.travel(nudge.due_at + timedelta(minutes=1), tick=False):
        assert nudges_send_due() == 1
        assert nudges_send_due() == 0

    message = Message.objects.get(template="step_nudge")
    assert "/me/steps/knee-rocks/" in message.body
    assert "Nudge English" in message.body


def test_a_step_already_done_is_not_nudged(patient: Any) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient)
    nudges_plan(enrollment=enrollment)
    nudge = StepNudge.objects.order_by("due_at").first()
    StepProgress.objects.create(enrollment=enrollment, step=nudge.step)

    with time_machine.travel(nudge.due_at + timedelta(minutes=1), tick=False):
        nudges_send_due()

    nudge.refresh_from_db()
    assert nudge.status == "skipped"
    assert not Message.objects.filter(template="step_nudge").exists()


def test_nudges_go_out_in_the_evening_local_time(patient: Any) -> None:
    make_content()
    enrollment = Enrollment.objects.get(patient=patient)
    nudges_plan(enrollment=enrollment)
    nudge = StepNudge.objects.order_by("due_at").first()

    local = nudge.due_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute) == (18, 0)
    assert local.date() == enrollment.started_on + timedelta(days=1)
    assert isinstance(timezone.now().date(), date)
