"""The clinician sees the patient's own check-in times in the record header."""

from datetime import time
from typing import Any

from accounts.models import Clinician, Patient
from checkins.own_schedule import patient_schedule_set
from tests.care.test_patient_record import page_url


def header_times(html: str) -> str:
    start = html.index("<dt>Check-in times</dt><dd>") + len("<dt>Check-in times</dt><dd>")
    return html[start : html.index("</dd>", start)]


def test_the_record_says_tier_default_until_the_patient_chooses(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    staff = admin_client_for(clinician)

    assert header_times(staff.get(page_url(patient)).content.decode()) == "Tier default"


def test_the_record_shows_the_patients_choice(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    patient_schedule_set(patient=patient, days=(0,), at=time(19))
    staff = admin_client_for(clinician)

    page = staff.get(page_url(patient))

    assert page.context["header"].checkin_times == "Mondays at 19:00 (patient's choice)"
    assert header_times(page.content.decode()) == "Mondays at 19:00 (patient&#x27;s choice)"
