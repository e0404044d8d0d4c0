"""People: staff users, clinicians and patients, and the dated record of SMS consent."""

from datetime import date, time
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.timezone import now
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from selfcare.clock import clinic_zone, latest_today

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class User(AbstractUser):
    """A person who signs in: clinicians and operators (staff, password and later TOTP), and
    patients (never staff, no password: single-use links sent by SMS)."""


@cache
def known_timezones() -> frozenset[str]:
    """IANA zone names from the tzdata package (the same on every machine), less the
    placeholders that are not places."""
    zones = resources.files("tzdata").joinpath("zones").read_text().split()
    return frozenset(zones) - {"Factory", "localtime", "posixrules"}


EARLIEST_DATE = date(1900, 1, 1)


def validate_single_line(value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError("Must not contain line breaks or control characters.", code="control")


def validate_plausible_date(value: date) -> None:
    if value < EARLIEST_DATE:
        raise ValidationError("Enter a date after 1900.", code="too_early")


WEEKDAYS = range(7)  # Monday 0 … Sunday 6, as date.weekday()


def validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or any(day not in WEEKDAYS for day in value):
        raise ValidationError("Weekdays are numbers 0 (Monday) to 6 (Sunday).", code="weekday")
    if len(set(value)) != len(value):
        raise ValidationError("Each weekday may be listed once.", code="duplicate_weekday")


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            "Unknown time zone %(value)s: use an IANA name such as America/New_York.",
            code="invalid_timezone",
            params={"value": repr(value)},
        )


class CareTeam(models.Model):
    """Clinicians who share their patients: every member sees and works the patients of every
    other member. The lead (or an operator) sets who is on call; the on-call member covers a
    member who is away and is the next step of the escalation chain (escalations.chain)."""

    name = models.CharField(max_length=80, unique=True)
    lead = models.ForeignKey(
        "Clinician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on_call = models.ForeignKey(
        "Clinician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("lead", "on_call"):
            member = getattr(self, field)
            if member is not None and self.pk is not None and member.team_id != self.pk:
                raise ValidationError({field: "Choose a member of this team."})


AWAY_IN_THE_PAST = "Choose a time in the future, or clear it."


def validate_away_until(value: Any, *, at: Any = None) -> None:
    """An away time must be later than now: a time already past would silently mean "back"."""
    if value is not None and value <= (at or now()):
        raise ValidationError(AWAY_IN_THE_PAST, code="away_in_the_past")


class Clinician(models.Model):
    """A clinician responsible for patients; alerts go to `phone` and `email`. In a care team
    (at most one), their patients are the team's patients; while `away_until` is in the future
    their alerts go to the team's on-call member."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="clinician")
    phone = PhoneNumberField(blank=True, help_text="Mobile number for urgent alerts.")
    email = models.EmailField(help_text="Address for alerts.")
    team = models.ForeignKey(
        CareTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    away_until = models.DateTimeField(
        null=True, blank=True, help_text="While away, alerts go to the team's on-call member."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Times in SelfCare are shown in this zone (IANA name); blank: the clinic's.",
    )

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def is_away(self, at: Any = None) -> bool:
        return self.away_until is not None and self.away_until > (at or now())

    @property
    def zone(self) -> ZoneInfo:
        """The clinician's own time zone, else the clinic's: every time shown or sent to
        them (the admin, their alerts) is on this clock."""
        return ZoneInfo(self.time_zone) if self.time_zone else clinic_zone()


class PainSite(models.TextChoices):
    """The multi-site body map (CLINICAL.md data dictionary)."""

    LOWER_BACK = "lower_back", "Lower back"
    UPPER_BACK = "upper_back", "Upper back"
    NECK = "neck", "Neck"
    LEFT_SHOULDER_ARM = "left_shoulder_arm", "Left shoulder or arm"
    RIGHT_SHOULDER_ARM = "right_shoulder_arm", "Right shoulder or arm"
    LEFT_HAND = "left_hand", "Left hand"
    RIGHT_HAND = "right_hand", "Right hand"
    LEFT_BUTTOCK_LEG = "left_buttock_leg", "Left buttock or leg"
    RIGHT_BUTTOCK_LEG = "right_buttock_leg", "Right buttock or leg"
    LEFT_FOOT = "left_foot", "Left foot"
    RIGHT_FOOT = "right_foot", "Right foot"
    TRUNK_CHEST = "trunk_chest", "Trunk or chest"
    HEAD_FACE = "head_face", "Head or face"


def validate_pain_sites(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one pain site.", code="required")
    unknown = [site for site in value if site not in PainSite.values]
    if unknown:
        raise ValidationError(
            "Unknown pain site %(sites)s. Known sites: %(known)s.",
            code="unknown_pain_site",
            params={"sites": ", ".join(map(repr, unknown)), "known": ", ".join(PainSite.values)},
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each pain site may be listed once.", code="duplicate_pain_site")


class PatientFlag(models.TextChoices):
    """Risk flags that change how answers escalate (CLINICAL.md); each is a Patient field."""

    CANCER_HISTORY = "cancer_history", "History of cancer"
    IMMUNOSUPPRESSED = "immunosuppressed", "Immunosuppressed"
    IV_DRUG_USE = "iv_drug_use", "Intravenous drug use"
    OSTEOPOROSIS_OR_STEROIDS = "osteoporosis_or_steroids", "Osteoporosis or long-term steroids"
    RECENT_INFECTION_OR_SPINAL_PROCEDURE = (
        "recent_infection_or_spinal_procedure",
        "Recent infection or spinal procedure",
    )


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


class SmsConsent(models.TextChoices):
    NONE = "none", "No consent (web only)"
    ACTIVE = "active", "Consented"
    OPTED_OUT = "opted_out", "Opted out"
    CARRIER_OPTED_OUT = "carrier_opted_out", "Opted out at the carrier"


DUPLICATE_PHONE_MESSAGE = "A patient with this phone number is already enrolled."


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, user: "User | AnonymousUser") -> "PatientQuerySet":
        """Patients `user` may see: all for superusers; for a clinician, their care team's (or
        their own, in no team); else none."""
        if not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if isinstance(user, User) and hasattr(user, "clinician"):
            clinician = user.clinician
            if clinician.team_id is not None:
                return self.filter(clinician__team_id=clinician.team_id)
            return self.filter(clinician=clinician)
        return self.none()


class Patient(models.Model):
    """A person enrolled in SelfCare, under one responsible clinician.

    `status`: active → discharged (final). Pausing belongs to the program (`Enrollment.status`):
    a paused program gets no scheduled check-ins or nudges, and the patient's texts are still
    handled.

    `sms_consent` is the current state; every change is also a dated `ConsentEvent`:

        none ──(consent)──▶ active ──(STOP)──▶ opted_out ──(START)──▶ active
                              └──(carrier error 21610)──▶ carrier_opted_out ──(START)──▶ active

    No SMS is sent unless it is `active`.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    first_name = models.CharField(max_length=100, validators=[validate_single_line])
    last_name = models.CharField(max_length=100, validators=[validate_single_line])
    phone = PhoneNumberField(
        unique=True,
        help_text="Mobile number; any common format, stored in E.164.",
        error_messages={"unique": DUPLICATE_PHONE_MESSAGE},
    )
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA name, e.g. America/Chicago."
    )
    language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    quiet_hours_start = models.TimeField(default=time(21, 0))
    quiet_hours_end = models.TimeField(default=time(8, 0))
    # The patient's own check-in schedule (checkins.own_schedule); empty means the tier's.
    checkin_days = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text="Weekdays the patient chose for check-ins (0 Monday … 6 Sunday); empty: the "
        "tier's days.",
    )
    checkin_time = models.TimeField(
        null=True, blank=True, help_text="Local time the patient chose; empty: the usual time."
    )
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="patient",
        help_text="The sign-in identity for the patient pages; created with the first link.",
    )

    cancer_history = models.BooleanField()
    immunosuppressed = models.BooleanField()
    iv_drug_use = models.BooleanField()
    osteoporosis_or_steroids = models.BooleanField()
    recent_infection_or_spinal_procedure = models.BooleanField()

    pain_sites = models.JSONField(default=list, blank=True, validators=[validate_pain_sites])
    baseline_back_pain = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(10)], help_text="0–10 at enrollment."
    )
    baseline_leg_pain = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(10)], help_text="0–10 at enrollment."
    )
    onset_date = models.DateField(
        null=True, blank=True, validators=[validate_plausible_date], help_text="Empty if unknown."
    )
    presentation_date = models.DateField(validators=[validate_plausible_date])

    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE)
    sms_undeliverable_code = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when the SMS provider reports the number cannot take SMS; cleared when "
        "the number changes.",
    )
    sms_undeliverable_at = models.DateTimeField(null=True, blank=True, editable=False)
    sms_consent = models.CharField(max_length=20, choices=SmsConsent, default=SmsConsent.NONE)
    created_at = models.DateTimeField(default=now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    history = HistoricalRecords()
    objects: ClassVar[PatientQuerySet] = PatientQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(baseline_back_pain__lte=10), name="baseline_back_pain_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_leg_pain__lte=10), name="baseline_leg_pain_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(onset_date__isnull=True)
                | models.Q(onset_date__lte=models.F("presentation_date")),
                name="onset_not_after_presentation",
                violation_error_message="The onset date cannot be after the presentation date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def flags(self) -> dict[str, bool]:
        return {flag: getattr(self, flag) for flag in PatientFlag.values}

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        # Dates are the clinic's, which may be anywhere: see selfcare/clock.py.
        today = latest_today(now())
        if self.presentation_date and self.presentation_date > today:
            errors["presentation_date"] = "The presentation date cannot be in the future."
        if self.onset_date and self.onset_date > today:
            errors["onset_date"] = "The onset date cannot be in the future."
        elif (
            self.onset_date and self.presentation_date and self.onset_date > self.presentation_date
        ):
            errors["onset_date"] = "The onset date cannot be after the presentation date."
        if not self.pain_sites:  # an empty list skips field validators, so check it here
            errors["pain_sites"] = "Choose at least one pain site."
        if errors:
            raise ValidationError(errors)


class ConsentEvent(models.Model):
    """One dated change of a patient's SMS consent. Append-only: the history is the record."""

    class Source(models.TextChoices):
        ENROLLMENT = "enrollment", "At enrollment"
        SMS_KEYWORD = "sms_keyword", "SMS keyword"
        CARRIER = "carrier", "Carrier report"
        CLINICIAN = "clinician", "Clinician"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consent_events")
    state = models.CharField(max_length=20, choices=SmsConsent)
    source = models.CharField(max_length=20, choices=Source)
    occurred_at = models.DateTimeField(default=now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["patient", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_state_display()} ({self.get_source_display()})"


class AuditEvent(models.Model):
    """Who did or saw what to which patient's record, or changed which piece of program content
    (then `patient` is empty), and when. Append-only: no one edits or deletes these rows (the
    admin offers neither), and they carry no clinical content."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="Empty for changes to program content.",
    )
    action = models.CharField(max_length=8, choices=Action)
    what = models.CharField(max_length=100, help_text="The record or page, e.g. 'escalation 12'.")
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"], name="audit_patient_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.what}"
