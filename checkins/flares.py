"""Flare-ups the patient reports by texting FLARE: the dated record, and the short flare-up
plan sent back with a link to a relaxation step.

The flow (care.replies) decides whether the plan goes at all: emergency advice is the last
word, so a flare text that also describes an emergency gets that advice instead.
"""

from datetime import datetime

from accounts.models import Patient
from accounts.services import sign_in_link
from checkins.models import Flare
from messaging.models import Message, Priority
from messaging.outbox import message_queue
from programs.models import ProgramStep, current_enrollment

# The relaxation step the plan links to, the first of these in the patient's program: the
# two-minute break made for a flare-up (high tier), else calm breathing (every tier).
FLARE_RELAXATION_STEPS = ("quick-calm-breathing", "calm-breathing")


def flare_record(*, patient: Patient, message: Message | None, now: datetime) -> Flare:
    """Record the flare-up, whatever else the text brings: even a text that gets emergency
    advice instead of the plan reported one."""
    return Flare.objects.create(patient=patient, message=message, at=now)


def flares_since(patient: Patient, start: datetime) -> int:
    """How many flare-ups the patient has reported since `start` (R27 counts a week's)."""
    return Flare.objects.filter(patient=patient).since(start).count()


def flare_relaxation_step(patient: Patient) -> str:
    """The slug of the relaxation step the plan links to; "" (today's page) when the patient's
    program has none of them."""
    enrollment = current_enrollment(patient)
    if enrollment is None:
        return ""
    in_program = set(
        ProgramStep.objects.filter(
            program_id=enrollment.program_id, step__slug__in=FLARE_RELAXATION_STEPS
        ).values_list("step__slug", flat=True)
    )
    return next((slug for slug in FLARE_RELAXATION_STEPS if slug in in_program), "")


def flare_plan_message(*, patient: Patient, reply_to: Message) -> Message:
    """The flare-up plan's short version, with the red-flag and crisis lines and a sign-in
    link that lands on the relaxation step."""
    return message_queue(
        patient=patient,
        text="flare_plan",
        context={"link": sign_in_link(step=flare_relaxation_step(patient))},
        priority=Priority.REPLY,
        in_reply_to=reply_to,
    )
