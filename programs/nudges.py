"""SMS nudges for due program steps: planned at enrollment, sent at NUDGE_LOCAL_TIME in the
patient's zone (never in quiet hours), shifted when a program is paused."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import (
    Patient,
)
from messaging.models import Priority
from messaging.outbox import message_queue
from messaging.timing import local_instant
from programs.models import (
    Enrollment,
    ProgramStep,
    StepNudge,
    StepProgress,
    StepText,
)
from selfcare.public_url import public_url


def _nudge_due(enrollment: Enrollment, patient: Patient, day: int) -> datetime:
    local_day = enrollment.started_on + timedelta(days=day + enrollment.paused_days)
    return local_instant(
        day=local_day,
        at=time.fromisoformat(settings.NUDGE_LOCAL_TIME),
        zone=ZoneInfo(patient.timezone),
        quiet_start=patient.quiet_hours_start,
        quiet_end=patient.quiet_hours_end,
    )


def nudges_plan(*, enrollment: Enrollment) -> int:
    """Plan a nudge for every step of the enrollment's program that has none (idempotent).

    Day 0 (the safety net) has no nudge: the welcome covers it.
    """
    patient = enrollment.patient
    planned = set(StepNudge.objects.filter(enrollment=enrollment).values_list("step_id", flat=True))
    new = [
        StepNudge(
            enrollment=enrollment,
            step_id=ps.step_id,
            due_at=_nudge_due(enrollment, patient, ps.day),
        )
        for ps in ProgramStep.objects.filter(program=enrollment.program_id, day__gt=0)
        if ps.step_id not in planned
    ]
    StepNudge.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def nudges_send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Claim due nudges and queue their SMS (through the outbox, pacing and quiet hours)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            # A paused program's nudges wait: resuming moves them back by the days paused.
            StepNudge.objects.filter(status=StepNudge.Status.DUE, due_at__lte=now)
            .exclude(enrollment__status=Enrollment.Status.PAUSED)
            .order_by("due_at")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
    sent = 0
    for nudge_id in ids:
        with transaction.atomic():
            if not StepNudge.objects.filter(pk=nudge_id, status=StepNudge.Status.DUE).update(
                status=StepNudge.Status.SENT
            ):
                continue  # another scheduler took it
            nudge = StepNudge.objects.select_related("enrollment__patient", "step").get(pk=nudge_id)
            enrollment, patient = nudge.enrollment, nudge.enrollment.patient
            done = StepProgress.objects.filter(enrollment=enrollment, step=nudge.step).exists()
            if (
                done
                or enrollment.status == Enrollment.Status.ENDED
                or patient.status != Patient.Status.ACTIVE
            ):
                StepNudge.objects.filter(pk=nudge_id).update(status=StepNudge.Status.SKIPPED)
                continue
            text = StepText.objects.for_step(nudge.step, patient.language)
            message_queue(
                patient=patient,
                text="step_nudge",
                context={
                    "sms": text.sms if text else nudge.step.slug,
                    "link": public_url("patients:step", nudge.step.slug),
                },
                priority=Priority.BULK,
                not_after=now + timedelta(hours=12),
            )
            sent += 1
    return sent


def nudges_shift(*, enrollment: Enrollment, days: int) -> None:
    """Move the enrollment's pending nudges back after a pause."""
    if days:
        StepNudge.objects.filter(enrollment=enrollment, status=StepNudge.Status.DUE).update(
            due_at=F("due_at") + timedelta(days=days)
        )
