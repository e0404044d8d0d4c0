"""Writes for people: clinicians, patients and SMS consent."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from sesame.utils import get_query_string

from accounts.models import (
    AuditEvent,
    CareTeam,
    Clinician,
    ConsentEvent,
    Patient,
    SmsConsent,
    User,
    validate_away_until,
)
from accounts.permissions import CLINICIANS_GROUP, CONTENT_EDITORS_GROUP
from selfcare.public_url import public_url


@transaction.atomic
def clinician_create(
    *,
    username: str,
    email: str,
    phone: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    content_editor: bool = False,
    team: str = "",
    lead: bool = False,
) -> Clinician:
    """Create a staff user in the Clinicians group with a clinician profile for alerts (and in
    the Content editors group too, who change program content, if `content_editor`), in the
    care team named `team` if given (created if missing; as its lead with `lead`).

    Validates the profile (email, phone) before anything is stored; without a password the
    account cannot sign in until one is set.
    """
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    if password:
        try:
            validate_password(password, user)
        except ValidationError as weak:
            raise ValidationError({"password": weak.messages}) from weak
    clinician = Clinician(user=user, phone=phone, email=email)
    clinician.full_clean(exclude=["user"])
    user.save()
    user.groups.add(Group.objects.get(name=CLINICIANS_GROUP))
    if content_editor:
        user.groups.add(Group.objects.get(name=CONTENT_EDITORS_GROUP))
    clinician.user = user
    if team:
        clinician.team, _ = CareTeam.objects.get_or_create(name=team)
    clinician.save()
    if clinician.team is not None and lead:
        clinician.team.lead = clinician
        clinician.team.save(update_fields=["lead"])
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return clinician


# --- care teams --------------------------------------------------------------------------------


def team_may_manage(*, team: CareTeam, user: User) -> bool:
    """The lead and operators (superusers) set who is on call."""
    return user.is_superuser or (team.lead is not None and team.lead.user_id == user.pk)


@transaction.atomic
def team_set_on_call(*, team: CareTeam, member: Clinician | None, actor: User) -> CareTeam:
    """Make `member` (of this team, or None) the team's on-call member; audited."""
    if member is not None and member.team_id != team.pk:
        raise ValidationError({"on_call": ["Choose a member of this team."]})
    if not team_may_manage(team=team, user=actor):
        raise PermissionDenied("Only the team's lead sets who is on call.")
    team.on_call = member
    team.save(update_fields=["on_call"])
    who = member.user.username if member else "nobody"
    audit(
        actor=actor,
        patient=None,
        action="change",
        what=f"care team {team.pk}",
        detail=f"on call: {who}",
    )
    return team


@transaction.atomic
def clinician_set_away(*, clinician: Clinician, until: datetime | None, actor: User) -> Clinician:
    """Mark `clinician` away until `until` (None: back); their alerts go to the team's on-call
    member meanwhile. Audited."""
    try:
        validate_away_until(until)
    except ValidationError as past:
        raise ValidationError({"away_until": past.messages}) from past
    clinician.away_until = until
    clinician.save(update_fields=["away_until"])
    detail = f"away until {until.isoformat(timespec='minutes')}" if until else "back"
    audit(
        actor=actor, patient=None, action="change", what=f"clinician {clinician.pk}", detail=detail
    )
    return clinician


@transaction.atomic
def patient_reassign(*, patient: Patient, clinician: Clinician, actor: User) -> Patient:
    """Make `clinician` the patient's responsible clinician: someone in the same care team
    (an operator may move a patient anywhere). Audited."""
    current = patient.clinician
    same_team = current.team_id is not None and clinician.team_id == current.team_id
    if not (same_team or actor.is_superuser):
        raise ValidationError({"clinician": ["Choose a clinician in the patient's care team."]})
    patient.clinician = clinician
    patient.save(update_fields=["clinician"])
    audit(
        actor=actor,
        patient=patient,
        action="change",
        what="responsible clinician",
        detail=f"{current.user.username} → {clinician.user.username}",
    )
    return patient


def totp_device(*, user: User) -> "TOTPDevice":
    """The user's authenticator app device (its config_url is the QR code's content)."""
    return TOTPDevice.objects.get(user=user, name="authenticator")


@transaction.atomic
def patient_set_sms_consent(
    *,
    patient: Patient,
    state: SmsConsent,
    source: ConsentEvent.Source,
    actor: User | None = None,
) -> ConsentEvent:
    """Record a change of SMS consent as a dated event and update the patient's current state."""
    event = ConsentEvent.objects.create(
        patient=patient, state=state, source=source, recorded_by=actor, occurred_at=timezone.now()
    )
    patient.sms_consent = state
    patient.save(update_fields=["sms_consent"])  # save(), not update(): the history records it
    return event


def patient_flag_undeliverable(*, patient: Patient, code: int) -> None:
    """Stop SMS to a number the provider reports as invalid, a landline or unreachable."""
    patient.sms_undeliverable_code = code
    patient.sms_undeliverable_at = timezone.now()
    patient.save(update_fields=["sms_undeliverable_code", "sms_undeliverable_at"])


def patient_user(*, patient: Patient) -> User:
    """The patient's sign-in identity (created on first use): never staff, no password."""
    if patient.user_id is not None:
        return patient.user  # type: ignore[return-value]
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if locked.user_id is None:
            user = User(username=f"patient-{patient.pk}", is_staff=False)
            user.set_unusable_password()
            user.save()
            locked.user = user
            locked.save(update_fields=["user"])
        patient.user = locked.user
    return patient.user  # type: ignore[return-value]


def patient_login_url(*, patient: Patient) -> str:
    """A single-use sign-in link for the patient pages, valid for SESAME_MAX_AGE (10 minutes).

    Opening it only shows a Continue button (link previews must not use it up); see
    patients.views.sign_in.login_landing. Messages never store it: they hold `SIGN_IN_LINK` and
    get a live link as they are sent (`sign_in_links_filled`).
    """
    # Fresh from the database: a one-time token is bound to the user's current last_login.
    user = User.objects.get(pk=patient_user(patient=patient).pk)
    return f"{public_url('patients:login')}{get_query_string(user)}"


SIGN_IN_TOKEN_SHOWN = "[link]"  # noqa: S105 (what is shown instead of a token)


SIGN_IN_STEP = "step"  # the landing's parameter naming the program step to open after sign-in


def sign_in_link(*, step: str = "") -> str:
    """The sign-in link as stored and shown: `…/me/login/?t=[link]`, never a live token. With
    `step` (a step's slug) the patient lands on that step once signed in, not on today's page."""
    link = f"{public_url('patients:login')}?{settings.SESAME_TOKEN_NAME}={SIGN_IN_TOKEN_SHOWN}"
    return f"{link}&{SIGN_IN_STEP}={step}" if step else link


def sign_in_links_filled(body: str, *, patient: Patient) -> str:
    """The text as it leaves for the patient's phone: each stored `sign_in_link()` becomes a
    live link, made now, so it is valid for ten minutes from sending."""
    stored = sign_in_link()
    return body.replace(stored, patient_login_url(patient=patient)) if stored in body else body


def audit(
    *, actor: object, patient: Patient | None, action: str, what: str, detail: str = ""
) -> None:
    """Record that `actor` viewed, created, changed or deleted part of `patient`'s record, or
    (with no patient) a piece of program content."""
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    AuditEvent.objects.create(
        actor=user, patient=patient, action=action, what=what, detail=detail[:200]
    )
