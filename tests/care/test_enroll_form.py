"""The admin's "Enroll patient" form as a clinician meets it: every error after one submit, the
time zone from a short list in words, today's date proposed, a number read where the patient
lives, and the pain sites picked on the body outline."""

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Clinician, PainSite, Patient
from programs.models import StartBackScreen
from tests.programs.test_enrollment_admin import URL, form_data


class _Options(HTMLParser):
    """The (value, label, selected) options of one <select> on a page."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.options = name, False, []  # type: list[Any]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select":
            self.inside = found.get("name") == self.name
        elif tag == "option" and self.inside:
            self.options.append([found.get("value"), "", "selected" in found])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.options:
            self.options[-1][1] += data.strip()


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    parser = _Options(name)
    parser.feed(page)
    return [tuple(option) for option in parser.options]  # type: ignore[misc]


def enroll_page(client: Any) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return str(response.content.decode())


# --- every error after one submit -----------------------------------------------------------


def test_one_submit_shows_every_error_and_stores_nothing(
    admin_client_for: Any, clinician: Clinician
) -> None:
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    data = form_data(phone="12345", first_name="", presentation_date=future, item_4=None)

    response = admin_client_for(clinician).post(URL, data)

    errors = response.context["form"].errors
    assert set(errors) == {"phone", "first_name", "presentation_date", "item_4"}
    assert "not valid" in errors["phone"][0]
    assert errors["first_name"] == ["This field is required."]
    assert errors["presentation_date"] == ["The presentation date cannot be in the future."]
    assert errors["item_4"] == ["This field is required."]
    assert "Nothing has been saved" in response.content.decode()
    assert not Patient.objects.exists()
    assert not StartBackScreen.objects.exists()


def test_a_field_with_its_own_error_does_not_also_get_the_services(
    admin_client_for: Any, clinician: Clinician
) -> None:
    response = admin_client_for(clinician).post(
        URL, form_data(back_pain="eleven", iv_drug_use=None, sms_consent=None)
    )

    errors = response.context["form"].errors
    assert errors == {
        "back_pain": ["Enter a whole number."],
        "iv_drug_use": ["This field is required."],
        "sms_consent": ["This field is required."],
    }


def test_the_success_message_is_in_words(admin_client_for: Any, clinician: Clinician) -> None:
    response = admin_client_for(clinician).post(
        URL, form_data(first_name="Ana", last_name="García"), follow=True
    )

    page = response.content.decode()
    assert "Enrolled Ana García: STarT Back total 5 of 9, psychosocial 5 of 5 — high risk." in page
    assert "Program: " in page


# --- the time zone --------------------------------------------------------------------------


def test_the_short_list_starts_with_the_clinics_zone_chosen_and_ends_with_other(
    admin_client_for: Any, clinician: Clinician, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "America/Chicago"

    zones = options(enroll_page(admin_client_for(clinician)), "timezone")

    assert zones[0] == ("America/Chicago", "US Central (Chicago): the clinic's zone", True)
    assert [selected for *_, selected in zones].count(True) == 1
    assert ("America/New_York", "US Eastern (New York)", False) in zones
    assert ("Europe/London", "UK (London)", False) in zones
    assert [value for value, *_ in zones].count("America/Chicago") == 1
    assert zones[-1] == ("other", "Other…", False)
    assert len(zones) <= 13


def test_other_offers_every_canonical_zone_and_no_deprecated_name(
    admin_client_for: Any, clinician: Clinician
) -> None:
    values = [
        value for value, *_ in options(enroll_page(admin_client_for(clinician)), "timezone_other")
    ]

    assert values[0] == ""  # "Choose…"
    assert values[1:] == sorted(values[1:])
    for current in ["Asia/Kolkata", "America/Argentina/Buenos_Aires", "Europe/Kyiv", "Asia/Tokyo"]:
        assert current in values
    for deprecated in [
        "US/Eastern",
        "GB",
        "UTC",
        "Etc/GMT+5",
        "Factory",
        "EST5EDT",
        "Canada/Pacific",
        "Asia/Calcutta",
        "America/Buenos_Aires",
        "Europe/Kiev",
        "Australia/ACT",
    ]:
        assert deprecated not in values


def test_a_zone_from_the_full_list_enrolls_with_it(
    admin_client_for: Any, clinician: Clinician
) -> None:
    data = form_data(timezone="other", timezone_other="Asia/Tokyo", phone="+81 90-1234-5678")

    response = admin_client_for(clinician).post(URL, data)

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.timezone, str(patient.phone)) == ("Asia/Tokyo", "+819012345678")


def test_other_without_a_zone_from_the_full_list_is_refused(
    admin_client_for: Any, clinician: Clinician
) -> None:
    response = admin_client_for(clinician).post(URL, form_data(timezone="other"))

    assert response.context["form"].errors == {
        "timezone_other": ["Choose the patient's time zone from the full list."]
    }
    assert not Patient.objects.exists()


# --- the presentation date ------------------------------------------------------------------


def presentation_value(client: Any) -> Any:
    return client.get(URL).context["form"]["presentation_date"].value()


def test_the_presentation_date_proposes_the_clinics_today(
    admin_client_for: Any, clinician: Clinician, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "America/Chicago"

    page = enroll_page(admin_client_for(clinician))

    assert 'value="2026-06-15"' in page  # tests/conftest.py: 2026-06-15 17:00 UTC


def test_the_presentation_date_is_the_clinics_today_not_utcs(
    admin_client_for: Any, clinician: Clinician, settings: Any
) -> None:
    settings.CLINIC_TIME_ZONE = "America/New_York"

    with time_machine.travel(datetime(2026, 6, 16, 2, 0, tzinfo=UTC), tick=False):
        client = admin_client_for(clinician)  # signed in then: staff sessions end when idle
        assert presentation_value(client) == date(2026, 6, 15)  # 22:00 in New York


# --- the phone number, read where the patient lives -----------------------------------------


def test_a_uk_mobile_for_a_london_patient_is_stored_in_e164(
    admin_client_for: Any, clinician: Clinician
) -> None:
    data = form_data(timezone="Europe/London", phone="07400 123456")

    response = admin_client_for(clinician).post(URL, data)

    assert response.status_code == 302
    assert str(Patient.objects.get().phone) == "+447400123456"


def test_a_us_number_written_nationally_for_a_london_patient_says_what_is_expected(
    admin_client_for: Any, clinician: Clinician
) -> None:
    data = form_data(timezone="Europe/London", phone="(201) 555-0177")

    response = admin_client_for(clinician).post(URL, data)

    assert response.context["form"].errors == {
        "phone": [
            "The phone number is not valid for a patient in UK (London): enter a mobile number "
            "like 07400 123456, or start with + and the country code."
        ]
    }
    assert not Patient.objects.exists()


def test_a_us_number_with_its_country_code_is_accepted_for_a_london_patient(
    admin_client_for: Any, clinician: Clinician
) -> None:
    data = form_data(timezone="Europe/London", phone="+1 201 555 0177")

    assert admin_client_for(clinician).post(URL, data).status_code == 302
    assert str(Patient.objects.get().phone) == "+12015550177"


# --- the pain sites on the body outline -----------------------------------------------------


def test_the_body_outline_picker_sits_beside_labelled_checkboxes(
    admin_client_for: Any, clinician: Clinician
) -> None:
    page = enroll_page(admin_client_for(clinician))

    picker = page[page.index('class="pain-sites-picker"') :]
    assert '<figure class="body-outline picker">' in picker
    for site, label in PainSite.choices:
        assert f'name="pain_sites" value="{site}"' in picker
        assert f'data-site="{site}"' in picker
        assert label in picker
    assert "care/body_picker.js" in page
    assert "care/body.css" in page


def test_ticked_sites_stay_marked_on_the_outline_after_an_error(
    admin_client_for: Any, clinician: Clinician
) -> None:
    data = form_data(first_name="", pain_sites=["neck"])

    page = admin_client_for(clinician).post(URL, data).content.decode()

    assert 'class="region on" data-site="neck"' in page


@pytest.mark.parametrize("script", ["care/body_picker.js", "care/timezone_other.js"])
def test_the_scripts_are_static_files_for_the_csp(
    admin_client_for: Any, clinician: Clinician, script: str
) -> None:
    page = enroll_page(admin_client_for(clinician))

    assert f'src="/static/{script}"' in page
