"""Writes for programs: enrolling and stratifying patients."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
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
from accounts.services import patient_set_sms_consent
from programs import stratification
from programs.models import Enrollment, Program, StartBackScreen

# Model field → the name the enrollment input (API body and admin form) uses for it.
_INPUT_NAMES = {"baseline_back_pain": "back_pain", "baseline_leg_pain": "leg_pain"}


@dataclass(frozen=True)
class EnrollmentResult:
    patient: Patient
    screen: StartBackScreen
    enrollment: Enrollment


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
    errors: dict[str, list[str]] = {}
    if startback_errors := stratification.answer_errors(startback):
        errors["startback"] = startback_errors
    if flag_errors := _flag_errors(flags):
        errors["flags"] = flag_errors
    patient = Patient(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        timezone=timezone_name,
        language=language,
        clinician=clinician,
        pain_sites=pain_sites,
        baseline_back_pain=back_pain,
        baseline_leg_pain=leg_pain,
        onset_date=onset_date,
        presentation_date=presentation_date,
        created_by=actor,
        **{flag: flag_errors == [] and bool(flags[flag]) for flag in PatientFlag.values},
    )
    try:
        patient.full_clean()
    except ValidationError as invalid:
        for field, messages in invalid.message_dict.items():
            errors.setdefault(_INPUT_NAMES.get(field, field), []).extend(messages)
    if errors:
        raise ValidationError(errors)

    result = stratification.score(startback)
    program = Program.objects.filter(tier=result.risk_group, is_active=True).first()
    if program is None:
        raise ValidationError(
            {
                "program": [
                    f"No active program for the {result.risk_group} tier: ask an administrator."
                ]
            }
        )
    try:
        with transaction.atomic(durable=True):
            patient.save()
            screen = StartBackScreen.objects.create(
                patient=patient,
                answers=list(startback),
                total=result.total,
                psychosocial=result.psychosocial,
                risk_group=result.risk_group,
                screened_by=actor,
            )
            enrollment = Enrollment.objects.create(
                patient=patient,
                program=program,
                screen=screen,
                started_on=timezone.localdate(timezone=ZoneInfo(patient.timezone)),
                enrolled_by=actor,
            )
            patient_set_sms_consent(
                patient=patient,
                state=SmsConsent.ACTIVE if sms_consent else SmsConsent.NONE,
                source=ConsentEvent.Source.ENROLLMENT,
                actor=actor,
            )
    except IntegrityError as conflict:
        # Two enrollments of one number raced past full_clean(); the unique index decided.
        if Patient.objects.filter(phone=patient.phone).exists():
            raise ValidationError({"phone": [DUPLICATE_PHONE_MESSAGE]}) from conflict
        raise
    return EnrollmentResult(patient=patient, screen=screen, enrollment=enrollment)
