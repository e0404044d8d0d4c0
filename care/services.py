"""Clinicians' actions on a patient that run across apps: recording a medicine (R18) and a
STarT Back re-screen (closes R13)."""

from typing import Any

from django.db import transaction

from accounts.models import Patient, User
from accounts.services import audit
from checkins.models import Medicine
from escalations import rules
from escalations.models import Escalation
from escalations.services import escalate, escalation_resolve
from programs.models import current_enrollment
from programs.services import screen_record
from programs.stratification import RiskGroup


def medicine_record(
    *, patient: Patient, kind: str, for_sciatica: bool, actor: User
) -> Escalation | None:
    """Record a medicine class; runs R18 (clinician-facing: no patient message). Audited; the
    medicine and its escalation are one transaction."""
    with transaction.atomic():
        medicine = Medicine.objects.create(
            patient=patient, kind=kind, for_sciatica=for_sciatica, recorded_by=actor
        )
        audit(
            actor=actor,
            patient=patient,
            action="create",
            what=f"medicine {medicine.pk}",
            detail=kind,
        )
        hit = rules.r18(medicine_class=kind, for_sciatica=for_sciatica)
        return escalate(patient=patient, hit=hit) if hit is not None else None


def rescreen_record(*, patient: Patient, answers: list[int], actor: User) -> tuple[Any, bool]:
    """Record a STarT Back re-screen and close the R13 task, in one transaction; (screen, risk
    group rose)."""
    enrollment = current_enrollment(patient)
    with transaction.atomic():
        screen = screen_record(patient=patient, answers=answers, actor=actor)
        for escalation in Escalation.objects.active().filter(patient=patient, rule="R13"):
            escalation_resolve(
                escalation=escalation, user=actor, note=f"Re-screened: {screen.risk_group} risk"
            )
    order = list(RiskGroup)  # low, medium, high
    rose = enrollment is not None and order.index(RiskGroup(screen.risk_group)) > order.index(
        RiskGroup(enrollment.program.tier)
    )
    return screen, rose
