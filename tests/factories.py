"""Keyword-only factory functions for tests."""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from accounts.models import CareTeam, Clinician, Patient, PatientFlag
from accounts.services import clinician_create
from messaging.models import Message
from programs.services import EnrollmentResult, patient_enroll
from selfcare.clock import clinic_today

_sequence = count(1)
NO_FLAGS = dict.fromkeys(PatientFlag.values, False)
LOW_ANSWERS = [0, 0, 0, 0, 0, 0, 0, 0, 0]
MEDIUM_ANSWERS = [1, 1, 1, 1, 0, 0, 0, 0, 0]
HIGH_ANSWERS = [0, 0, 0, 0, 1, 1, 1, 1, 0]
# The web check-in form of a patient with nothing to report (back 3, leg 1, every yes/no "no").
WELL_WEB_FORM = {
    "back_pain": "3",
    "leg_pain": "1",
    "ces_symptoms": "no",
    "weakness_worsening": "no",
    "new_numbness_one_leg": "no",
    "fever_unwell": "no",
    "new_trauma": "no",
    "weight_loss_night_pain": "no",
    "new_pain_site": "no",
    "needs_contact": "no",
}


def make_clinician(*, username: str | None = None, password: str = "a-long-test-pass") -> Clinician:
    n = next(_sequence)
    return clinician_create(
        username=username or f"clinician{n}",
        email=f"clinician{n}@example.org",
        phone=f"+1201555{n % 10000:04d}",
        password=password,
        first_name="Test",
        last_name=f"Clinician{n}",
    )


def unique_phone() -> str:
    return f"+1202555{next(_sequence) % 10000:04d}"


def enrollment_body(**overrides: Any) -> dict[str, Any]:
    """A valid JSON body for POST /api/v1/patients/."""
    today = clinic_today(timezone.now())
    body: dict[str, Any] = {
        "first_name": "Pat",
        "last_name": "Example",
        "phone": unique_phone(),
        "timezone": "America/Chicago",
        "language": "en",
        "sms_consent": True,
        "startback": LOW_ANSWERS,
        "pain_sites": ["lower_back"],
        "back_pain": 5,
        "leg_pain": 2,
        "onset_date": (today - timedelta(days=20)).isoformat(),
        "presentation_date": (today - timedelta(days=1)).isoformat(),
        "flags": dict(NO_FLAGS),
    }
    body.update(overrides)
    return body


def make_patient(
    *,
    clinician: Clinician,
    startback: list[int] | None = None,
    first_name: str = "Pat",
    last_name: str = "Example",
    sms_consent: bool = True,
    flags: dict[str, bool] | None = None,
    onset_date: date | None = None,
) -> EnrollmentResult:
    """A patient enrolled a moment ago, without the welcome SMS in the outbox (it is cancelled,
    so tests see only their own messages; tests of the welcome enroll with `patient_enroll`)."""
    today = clinic_today(timezone.now())
    result = patient_enroll(
        clinician=clinician,
        actor=clinician.user,
        first_name=first_name,
        last_name=last_name,
        phone=unique_phone(),
        timezone_name="America/Chicago",
        language="en",
        sms_consent=sms_consent,
        startback=startback or LOW_ANSWERS,
        pain_sites=["lower_back"],
        back_pain=5,
        leg_pain=2,
        onset_date=onset_date or today - timedelta(days=20),
        presentation_date=today - timedelta(days=1),
        flags=flags or dict(NO_FLAGS),
    )
    Message.objects.filter(patient=result.patient, template="welcome").update(status="cancelled")
    return result


@dataclass
class Team:
    team: CareTeam
    responsible: Clinician
    on_call: Clinician
    lead: Clinician
    member: Clinician
    patient: Patient  # the responsible clinician's


def make_team(*, name: str) -> Team:
    """A care team of four (`<name>-resp`, `-oncall`, `-lead`, `-member`) with the lead and the
    on-call member set, and one patient of the responsible clinician."""
    clinicians = [
        make_clinician(username=f"{name}-{role}") for role in ("resp", "oncall", "lead", "member")
    ]
    team = CareTeam.objects.create(name=name)
    Clinician.objects.filter(pk__in=[c.pk for c in clinicians]).update(team=team)
    responsible, on_call, lead, member = (Clinician.objects.get(pk=c.pk) for c in clinicians)
    team.lead, team.on_call = lead, on_call
    team.save()
    patient = make_patient(clinician=responsible, first_name="Ines", last_name=name).patient
    return Team(team, responsible, on_call, lead, member, patient)
