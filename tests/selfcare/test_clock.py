"""What "today" means (selfcare/clock.py), at every hour and on the DST change days."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Clinician, Patient
from escalations.models import Escalation
from escalations.rules import Clock
from escalations.services import clock_start
from escalations.sweeps import escalations_sweep
from selfcare.clock import clinic_today, day_start, latest_today, local_today
from tests.conftest import staff_sign_in
from tests.factories import enrollment_body, make_patient
from tests.programs.test_enrollment_admin import URL as ADMIN_ADD_URL
from tests.programs.test_enrollment_admin import form_data

pytestmark = pytest.mark.any_hour

# Clinics from the first zone to see a date to the last.
CLINIC_ZONES = [
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Auckland",
    "Europe/Madrid",
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Pago_Pago",  # UTC-11
]


def test_latest_today_is_the_date_at_utc_plus_14() -> None:
    assert latest_today(datetime(2026, 12, 1, 9, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert latest_today(datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == date(2026, 12, 2)
    now = timezone.now()
    assert all(latest_today(now) >= local_today(now, ZoneInfo(zone)) for zone in CLINIC_ZONES)


def test_day_start_is_local_midnight_in_utc() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    assert day_start(date(2026, 6, 24), madrid) == datetime(2026, 6, 23, 22, tzinfo=UTC)
    assert day_start(date(2026, 12, 24), madrid) == datetime(2026, 12, 23, 23, tzinfo=UTC)


@pytest.mark.parametrize("clinic", CLINIC_ZONES)
@pytest.mark.parametrize("patient_zone", ["America/Los_Angeles", "Pacific/Honolulu"])
def test_the_api_takes_today_from_a_clinic_in_any_zone_for_a_patient_behind_utc(
    api: APIClient, clinic: str, patient_zone: str
) -> None:
    today = local_today(timezone.now(), ZoneInfo(clinic))
    body = enrollment_body(
        timezone=patient_zone,
        presentation_date=today.isoformat(),
        onset_date=today.isoformat(),
    )

    response = api.post("/api/v1/patients/", body, format="json")

    assert response.status_code == 201, response.json()


def test_a_date_that_is_tomorrow_everywhere_is_refused(api: APIClient) -> None:
    tomorrow_everywhere = latest_today(timezone.now()) + timedelta(days=1)
    body = enrollment_body(presentation_date=tomorrow_everywhere.isoformat())

    response = api.post("/api/v1/patients/", body, format="json")

    assert response.status_code == 400
    assert response.json()["presentation_date"] == [
        "The presentation date cannot be in the future."
    ]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("clinic", ["Pacific/Kiritimati", "America/Los_Angeles"])
def test_the_admin_form_takes_the_clinics_today(
    client: Any, clinician: Clinician, clinic: str
) -> None:
    today = local_today(timezone.now(), ZoneInfo(clinic)).isoformat()
    staff_sign_in(client, clinician.user)

    response = client.post(
        ADMIN_ADD_URL,
        form_data(timezone="America/Los_Angeles", presentation_date=today, onset_date=today),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Patient.objects.get(phone="+12015550177").presentation_date.isoformat() == today


def test_clinic_today_follows_the_setting(settings: Any) -> None:
    settings.CLINIC_TIME_ZONE = "Pacific/Auckland"
    assert clinic_today(timezone.now()) == local_today(timezone.now(), ZoneInfo("Pacific/Auckland"))


def test_the_re_screen_prompt_counts_the_patients_own_days(clinician: Clinician) -> None:
    """R13 is due on the patient's 14th local day after enrollment, whatever UTC says."""
    patient = make_patient(clinician=clinician).patient
    Patient.objects.filter(pk=patient.pk).update(timezone="Pacific/Honolulu")
    enrolled = timezone.now()
    zone = ZoneInfo("Pacific/Honolulu")
    due_day = local_today(enrolled, zone) + timedelta(days=14)
    first_due = day_start(due_day, zone)

    with time_machine.travel(first_due - timedelta(minutes=5), tick=False):
        escalations_sweep()
    assert not Escalation.objects.filter(rule="R13").exists()
    with time_machine.travel(first_due + timedelta(minutes=5), tick=False):
        escalations_sweep()
    assert Escalation.objects.filter(rule="R13").count() == 1


def test_referral_clocks_run_to_the_start_of_the_deadline_day_in_the_clinics_zone(
    settings: Any, patient: Patient
) -> None:
    settings.CLINIC_TIME_ZONE = "Europe/Madrid"
    today = clinic_today(timezone.now())
    Patient.objects.filter(pk=patient.pk).update(onset_date=today, presentation_date=today)
    patient.refresh_from_db()

    clock = clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())

    madrid = ZoneInfo("Europe/Madrid")
    assert clock.deadline == day_start(today + timedelta(weeks=2), madrid)
    assert clock.deadline.astimezone(madrid).hour == 0
    assert (
        clock.remind_at
        == day_start(today, madrid) + (clock.deadline - day_start(today, madrid)) / 2
    )
