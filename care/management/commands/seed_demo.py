"""Demo data for the embedded run: a clinician, one patient per STarT Back tier, and an
emergency escalation in the clinician's queue."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from accounts.models import CareTeam, Clinician, Patient, PatientFlag
from accounts.services import clinician_create, totp_device
from escalations.rules import Hit, Severity
from escalations.services import escalate
from programs.services import patient_enroll
from programs.stratification import RiskGroup
from selfcare.clock import clinic_today

DEMO_USERNAME = "demo"
NO_FLAGS = dict.fromkeys(PatientFlag.values, False)

# Fictional numbers (555-01xx is reserved for fiction in North America).
DEMO_PATIENTS: list[dict[str, Any]] = [
    {
        "first_name": "Ana",
        "last_name": "Low",
        "phone": "+12015550101",
        "timezone_name": "America/New_York",
        "language": "en",
        "startback": [0, 1, 0, 0, 0, 1, 0, 0, 1],
        "pain_sites": ["lower_back"],
        "back_pain": 4,
        "leg_pain": 0,
        "onset_days_ago": 10,
        "flags": NO_FLAGS,
    },
    {
        "first_name": "Ben",
        "last_name": "Medium",
        "phone": "+12015550102",
        "timezone_name": "America/Chicago",
        "language": "en",
        "startback": [1, 0, 1, 1, 0, 1, 0, 0, 2],
        "pain_sites": ["lower_back", "left_buttock_leg"],
        "back_pain": 6,
        "leg_pain": 5,
        "onset_days_ago": 30,
        "flags": {**NO_FLAGS, "osteoporosis_or_steroids": True},
    },
    {
        "first_name": "Carmen",
        "last_name": "Alta",
        "phone": "+12015550103",
        "timezone_name": "America/Los_Angeles",
        "language": "es",
        "startback": [1, 1, 1, 0, 1, 1, 1, 0, 4],
        "pain_sites": ["lower_back", "neck", "right_buttock_leg", "right_foot"],
        "back_pain": 8,
        "leg_pain": 7,
        "onset_days_ago": 60,
        "flags": NO_FLAGS,
    },
]


class Command(BaseCommand):
    help = "Create the demo clinician and three demo patients (low, medium, high). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", default="selfcare-demo", help="The demo clinician's password."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinician = Clinician.objects.filter(user__username=DEMO_USERNAME).first()
        if clinician is None:
            clinician = clinician_create(
                username=DEMO_USERNAME,
                email="demo.clinician@example.org",
                phone="+12015550199",
                password=options["password"],
                first_name="Dana",
                last_name="Demo",
                team="Demo team",
                lead=True,
            )
            # Dana leads the demo team and is on call: the development phone can text her
            # alerts' "ACK <code>" from her number, +12015550199.
            CareTeam.objects.filter(members=clinician).update(on_call=clinician)
        else:
            clinician.user.set_password(options["password"])
            clinician.user.save(update_fields=["password"])
        today = clinic_today(timezone.now())
        for spec in DEMO_PATIENTS:
            if Patient.objects.filter(phone=spec["phone"]).exists():
                continue
            data = {key: value for key, value in spec.items() if key != "onset_days_ago"}
            result = patient_enroll(
                clinician=clinician,
                actor=clinician.user,
                sms_consent=True,
                onset_date=today - timedelta(days=spec["onset_days_ago"]),
                presentation_date=today,
                **data,
            )
            self.stdout.write(f"Demo patient {result.patient}: {result.screen.risk_group} risk.")
            if result.screen.risk_group == RiskGroup.HIGH:
                hit = Hit("R1", Severity.EMERGENCY, "Demo: possible cauda equina symptoms.")
                escalate(patient=result.patient, hit=hit)
        self.stdout.write(
            self.style.SUCCESS(
                f"Clinician sign-in: username {DEMO_USERNAME!r}, password {options['password']!r}; "
                f"TOTP code: `python manage.py totp_code {DEMO_USERNAME}` (development only) or "
                "an authenticator app with:"
            )
        )
        self.stdout.write(totp_device(user=clinician.user).config_url)
