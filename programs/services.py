"""Writes for programs: enrolling and stratifying patients, the program timeline, pause and
tier changes, sign-in link requests, and edits of program content (nudges: programs.nudges).
About 400 lines: each part is short, and splitting further would scatter the enrollment path."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import (
    DUPLICATE_PHONE_MESSAGE,
    Clinician,
    ConsentEvent,
    Patient,
    PatientFlag,
    SmsConsent,
    User,
)
from accounts.phones import patient_e164
from accounts.services import audit, patient_set_sms_consent, sign_in_link
from messaging.models import Priority
from messaging.outbox import message_queue, patient_quiet_until
from programs import content, stratification
from programs.models import (
    ContentRecord,
    Enrollment,
    ExerciseLog,
    Program,
    ProgramStep,
    StartBackScreen,
    Step,
    StepNudge,
    StepProgress,
    StepText,
)
from programs.nudges import nudges_plan, nudges_shift
from selfcare.clock import local_today

logger = logging.getLogger(__name__)

# Model field → the name the enrollment input (API body and admin form) uses for it.
_INPUT_NAMES = {"baseline_back_pain": "back_pain", "baseline_leg_pain": "leg_pain"}


@dataclass(frozen=True)
class EnrollmentResult:
    patient: Patient
    screen: StartBackScreen
    enrollment: Enrollment

    @property
    def summary(self) -> str:
        """The outcome as the clinician reads it, each score out of its maximum."""
        screen = self.screen
        return (
            f"Enrolled {self.patient}: STarT Back total {screen.total} of "
            f"{stratification.ITEM_COUNT}, psychosocial {screen.psychosocial} of "
            f"{len(stratification.PSYCHOSOCIAL_ITEMS)} — "
            f"{screen.get_risk_group_display().lower()} risk. Program: {self.enrollment.program}."
        )


def _flag_errors(flags: object) -> list[str]:
    if not isinstance(flags, Mapping):
        return ["Expected an object with a true/false value for each flag."]
    errors = [f"Unknown flag {key!r}." for key in flags if key not in PatientFlag.values]
    errors += [
        f"Missing flag {key!r}: answer true or false."
        for key in PatientFlag.values
        if key not in flags
    ]
    errors += [
        f"Flag {key!r} must be true or false."
        for key, value in flags.items()
        if key in PatientFlag.values and not isinstance(value, bool)
    ]
    return errors


def patient_enroll(
    *,
    clinician: Clinician,
    actor: User,
    first_name: str,
    last_name: str,
    phone: str,
    timezone_name: str,
    language: str,
    sms_consent: bool,
    startback: Sequence[int],
    pain_sites: list[str],
    back_pain: int,
    leg_pain: int,
    onset_date: date | None,
    presentation_date: date,
    flags: Mapping[str, bool],
) -> EnrollmentResult:
    """Validate, score and store a new patient, and enroll them in the program of their tier.

    Every problem is reported at once as a ValidationError keyed by input name (`phone`,
    `startback`, `flags`, …); nothing is stored unless everything is valid. `actor` is the user
    who entered the data and is recorded on the patient, the screen and the enrollment.
    """
    patient, errors = _checked_patient(
        clinician=clinician,
        actor=actor,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        timezone_name=timezone_name,
        language=language,
        sms_consent=sms_consent,
        startback=startback,
        pain_sites=pain_sites,
        back_pain=back_pain,
        leg_pain=leg_pain,
        onset_date=onset_date,
        presentation_date=presentation_date,
        flags=flags,
    )
    if errors:
        raise ValidationError(errors)
    result = stratification.score(startback)
    program = _active_program(result.risk_group)
    try:
        with transaction.atomic(durable=True):
            patient.save()
            screen = _screen_create(patient=patient, answers=startback, actor=actor)
            enrollment = Enrollment.objects.create(
                patient=patient,
                program=program,
                screen=screen,
                started_on=local_today(timezone.now(), ZoneInfo(patient.timezone)),
                enrolled_by=actor,
            )
            patient_set_sms_consent(
                patient=patient,
                state=SmsConsent.ACTIVE if sms_consent else SmsConsent.NONE,
                source=ConsentEvent.Source.ENROLLMENT,
                actor=actor,
            )
            nudges_plan(enrollment=enrollment)
            if sms_consent:
                _welcome(patient)
            audit(actor=actor, patient=patient, action="create", what="patient", detail="enrolled")
    except IntegrityError as conflict:
        # Two enrollments of one number raced past full_clean(); the unique index decided.
        if Patient.objects.filter(phone=patient.phone).exists():
            raise ValidationError({"phone": [DUPLICATE_PHONE_MESSAGE]}) from conflict
        raise
    return EnrollmentResult(patient=patient, screen=screen, enrollment=enrollment)


def patient_enroll_errors(
    *, clinician: Clinician | None, actor: User, **enrollment: Any
) -> dict[str, list[str]]:
    """What `patient_enroll` would refuse in `enrollment` (its keyword arguments; None for a
    value the caller could not read), keyed by input name, storing nothing.

    The admin form asks before its own widgets are all valid, so a clinician sees every
    problem after one submit, in the words the API uses.
    """
    return _checked_patient(clinician=clinician, actor=actor, **enrollment)[1]


def _checked_patient(
    *,
    clinician: Clinician | None,
    actor: User,
    phone: str | None,
    timezone_name: str | None,
    sms_consent: object,
    startback: Sequence[int | None] | None,
    flags: Mapping[str, object] | None,
    back_pain: int | None,
    leg_pain: int | None,
    **fields: Any,
) -> tuple[Patient, dict[str, list[str]]]:
    """The unsaved patient, and every problem with the input keyed by input name."""
    errors: dict[str, list[str]] = {}
    if not isinstance(sms_consent, bool):
        errors["sms_consent"] = ["Answer whether the patient agreed to receive SMS."]
    if startback_errors := stratification.answer_errors(startback):
        errors["startback"] = startback_errors
    if flag_errors := _flag_errors(flags):
        errors["flags"] = flag_errors
    stored_phone = phone
    if phone:  # an empty number is the model's "required"
        try:
            stored_phone = patient_e164(phone, timezone_name or "")
        except ValidationError as invalid:
            errors["phone"] = invalid.messages
    model_fields: dict[str, Any] = {
        **fields,
        "clinician": clinician,
        "created_by": actor,
        "phone": stored_phone,
        "timezone": timezone_name,
        "baseline_back_pain": back_pain,
        "baseline_leg_pain": leg_pain,
        **{flag: not flag_errors and bool(flags and flags[flag]) for flag in PatientFlag.values},
    }
    patient = Patient(**model_fields)
    try:
        patient.full_clean(exclude=list(errors.keys() & {"phone"}))
    except ValidationError as invalid:
        for field, messages in invalid.message_dict.items():
            errors.setdefault(_INPUT_NAMES.get(field, field), []).extend(messages)
    return patient, errors


def _active_program(tier: str) -> Program:
    program = Program.objects.filter(tier=tier, is_active=True).first()
    if program is None:
        message = f"No active program for the {tier} tier: ask an administrator."
        raise ValidationError({"program": [message]})
    return program


def _screen_create(*, patient: Patient, answers: Sequence[int], actor: User) -> StartBackScreen:
    """Score a STarT Back administration and store it (at enrollment and at each re-screen)."""
    result = stratification.score(answers)
    return StartBackScreen.objects.create(
        patient=patient,
        answers=list(answers),
        total=result.total,
        psychosocial=result.psychosocial,
        risk_group=result.risk_group,
        screened_by=actor,
    )


def _welcome(patient: Patient) -> None:
    """The welcome SMS: what SelfCare is, LINK, HELP, STOP and the emergency number. Sent at
    once with a sign-in link (usually the patient is still with the clinician); in the
    patient's quiet hours it waits for the morning, without a link that would have expired."""
    quiet = patient_quiet_until(patient, now=timezone.now())
    message_queue(
        patient=patient,
        text="welcome",
        context={"link": None if quiet else sign_in_link()},
        priority=Priority.BULK if quiet else Priority.REPLY,
    )


def login_link_requested(*, patient_id: int | None) -> None:
    """Hand a "send me a link" request to the worker, known number or not (None), so the page
    answers in the same time either way. Without a broker a known patient's link still goes:
    it is queued here and the outbox sweeper sends it."""
    from programs.tasks import login_link_send_task  # here: programs.tasks imports this module

    try:
        login_link_send_task.delay(patient_id)
    except Exception:
        logger.warning("sign-in link request not queued (broker down)")
        if patient_id is not None:
            login_link_send(patient_id=patient_id)


def login_link_send(*, patient_id: int | None) -> bool:
    """Queue the sign-in SMS for a patient who asked for one on the web (if they still may get
    texts): the link in it is made as it is sent."""
    patient = (
        Patient.objects.filter(
            pk=patient_id, status=Patient.Status.ACTIVE, sms_consent=SmsConsent.ACTIVE
        ).first()
        if patient_id is not None
        else None
    )
    if patient is None:
        return False
    message_queue(
        patient=patient,
        text="login_link",
        context={"link": sign_in_link()},
        priority=Priority.REPLY,
    )
    return True


# --- the program timeline ------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    program_step: ProgramStep
    due_on: date
    done: bool


def enrollment_timeline_shift(enrollment: Enrollment, today: date) -> int:
    """Days the enrollment's timeline has moved back: the days spent paused, and the days of a
    pause still running (the timeline is frozen while paused)."""
    paused_now = (today - enrollment.paused_on).days if enrollment.paused_on else 0
    return enrollment.paused_days + paused_now


def enrollment_timeline(*, enrollment: Enrollment, today: date) -> list[TimelineEntry]:
    """Every step of the enrollment's program with its due date (moved back by the days spent
    paused, and frozen while paused) and whether it is done. Two queries."""
    shift = enrollment_timeline_shift(enrollment, today)
    done = set(StepProgress.objects.filter(enrollment=enrollment).values_list("step_id", flat=True))
    return [
        TimelineEntry(
            program_step=ps,
            due_on=enrollment.started_on + timedelta(days=ps.day + shift),
            done=ps.step_id in done,
        )
        for ps in ProgramStep.objects.filter(program=enrollment.program_id)
        .select_related("step")
        .order_by("day")
    ]


def step_mark_done(*, enrollment: Enrollment, step: Step) -> StepProgress:
    """Record a step as done in the enrollment (idempotent)."""
    progress, _ = StepProgress.objects.get_or_create(enrollment=enrollment, step=step)
    return progress


def exercise_log(
    *, patient: Patient, enrollment: Enrollment, step: Step, felt: str, pain_during: int
) -> ExerciseLog:
    """Log one go at an exercise (and mark the step done)."""
    if step.kind != Step.Kind.EXERCISE:
        raise ValidationError({"step": ["Only exercises are logged."]})
    if felt not in ExerciseLog.Felt.values:
        raise ValidationError({"felt": ["Choose easy, about right or hard."]})
    if not 0 <= pain_during <= 10:
        raise ValidationError({"pain_during": ["Pain is scored 0 to 10."]})
    with transaction.atomic():
        log = ExerciseLog.objects.create(
            patient=patient, step=step, felt=felt, pain_during=pain_during
        )
        step_mark_done(enrollment=enrollment, step=step)
    return log


def enrollment_pause(*, enrollment: Enrollment, today: date, actor: User) -> Enrollment:
    """Pause the program: due dates stop moving forward until it resumes."""
    with transaction.atomic():
        if enrollment.status == Enrollment.Status.ACTIVE:
            enrollment.status = Enrollment.Status.PAUSED
            enrollment.paused_on = today
            enrollment.save(update_fields=["status", "paused_on"])
        _program_audit(actor=actor, patient=enrollment.patient, detail="pause")
    return enrollment


def enrollment_resume(*, enrollment: Enrollment, today: date, actor: User) -> Enrollment:
    """Resume: the days spent paused push every later due date back."""
    with transaction.atomic():
        if enrollment.status == Enrollment.Status.PAUSED and enrollment.paused_on:
            paused = (today - enrollment.paused_on).days
            enrollment.paused_days += paused
            enrollment.paused_on = None
            enrollment.status = Enrollment.Status.ACTIVE
            enrollment.save(update_fields=["status", "paused_on", "paused_days"])
            nudges_shift(enrollment=enrollment, days=paused)
        _program_audit(actor=actor, patient=enrollment.patient, detail="resume")
    return enrollment


def _program_audit(*, actor: User, patient: Patient, detail: str) -> None:
    audit(actor=actor, patient=patient, action="change", what="program", detail=detail)


def enrollment_change_tier(*, patient: Patient, tier: str, actor: User) -> Enrollment:
    """Move the patient to the active program of `tier`; the old enrollment ends and stays as
    history (with its progress)."""
    program = Program.objects.filter(tier=tier, is_active=True).first()
    if program is None:
        raise ValidationError({"tier": [f"No active program for the {tier} tier."]})
    with transaction.atomic():
        current = Enrollment.objects.current().select_for_update().filter(patient=patient).first()
        _program_audit(actor=actor, patient=patient, detail="tier")
        if current is not None and current.program_id == program.pk:
            return current
        if current is not None:
            current.status = Enrollment.Status.ENDED
            current.ended_at = timezone.now()
            current.save(update_fields=["status", "ended_at"])
            current.nudges.filter(status=StepNudge.Status.DUE).update(
                status=StepNudge.Status.SKIPPED
            )
        enrollment = Enrollment.objects.create(
            patient=patient,
            program=program,
            screen=current.screen if current else None,
            started_on=local_today(timezone.now(), ZoneInfo(patient.timezone)),
            enrolled_by=actor,
        )
        nudges_plan(enrollment=enrollment)
        return enrollment


def screen_record(*, patient: Patient, answers: Sequence[int], actor: User) -> StartBackScreen:
    """A new STarT Back administration (a re-screen); the tier changes only when a clinician
    confirms it."""
    screen = _screen_create(patient=patient, answers=answers, actor=actor)
    audit(
        actor=actor,
        patient=patient,
        action="create",
        what=f"STarT Back screen {screen.pk}",
        detail=f"{screen.risk_group} risk",
    )
    return screen


# --- program content edited in the admin ---------------------------------------------------


def content_change(
    *,
    actor: User,
    save: Sequence[ContentRecord] = (),
    delete: Sequence[ContentRecord] = (),
) -> None:
    """Write one edit of program content: the records in `save` (new or changed) and the
    removal of those in `delete`, together.

    Refused with a ValidationError, before anything is written, when the library would then
    have a problem `loadprograms` rejects that it did not have before (`content.edit_problems`),
    and with a SafetyNetError (by the models) when it takes a program's day-0 safety net away.
    Every record created, changed or deleted is an audit row that names it and the fields
    changed, not the words.
    """
    problems = content.edit_problems(save=save, delete=delete)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        for record in delete:
            what = _content_name(record)
            record.delete()
            audit(actor=actor, patient=None, action="delete", what=what)
        for record in save:
            if record.pk is None:
                record.save()
                audit(actor=actor, patient=None, action="create", what=_content_name(record))
            elif changed := _changed_fields(record):
                record.save()
                audit(
                    actor=actor,
                    patient=None,
                    action="change",
                    what=_content_name(record),
                    detail=", ".join(changed),
                )


def _content_name(record: ContentRecord) -> str:
    if isinstance(record, Program):
        return f"program {record.slug}"
    if isinstance(record, Step):
        return f"step {record.slug}"
    if isinstance(record, StepText):
        return f"step {record.step.slug} text ({record.language})"
    return f"program {record.program.slug} day {record.day}: {record.step.slug}"


def _changed_fields(record: ContentRecord) -> list[str]:
    stored = type(record)._default_manager.filter(pk=record.pk).values().first() or {}
    return [
        field.name
        for field in record._meta.concrete_fields
        if getattr(record, field.attname) != stored.get(field.attname)
    ]
