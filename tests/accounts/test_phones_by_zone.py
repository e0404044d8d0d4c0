"""A patient's number is read where they live (accounts.phones, accounts.timezones)."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from accounts.models import known_timezones
from accounts.phones import patient_e164
from accounts.timezones import COMMON_ZONES, canonical_timezones, phone_region

ZONE_TABLES = [Path("/usr/share/zoneinfo/zone.tab"), Path("/usr/share/zoneinfo/zone1970.tab")]


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("Europe/London", "GB"),
        ("Europe/Madrid", "ES"),
        ("America/Mexico_City", "MX"),
        ("America/Puerto_Rico", "PR"),
        ("Pacific/Honolulu", "US"),
        ("America/Chicago", "US"),
        ("America/Toronto", "US"),  # the North American plan: Canada shares +1
        ("Asia/Tokyo", None),  # not known here: only + and the country code
        ("Mars/Olympus", "US"),  # no zone at all: the default region, the zone's error stands
    ],
)
def test_the_phone_region_of_a_zone(zone: str, region: str | None) -> None:
    assert phone_region(zone) == region


@pytest.mark.parametrize(
    ("raw", "zone", "stored"),
    [
        ("07400 123456", "Europe/London", "+447400123456"),
        ("+44 7400 123456", "America/Chicago", "+447400123456"),
        ("612 34 56 78", "Europe/Madrid", "+34612345678"),
        ("(201) 555-0177", "America/Denver", "+12015550177"),
        ("416-555-0123", "America/Toronto", "+14165550123"),
        ("+81 90-1234-5678", "Asia/Tokyo", "+819012345678"),
    ],
)
def test_a_number_valid_where_the_patient_lives_is_stored_in_e164(
    raw: str, zone: str, stored: str
) -> None:
    assert patient_e164(raw, zone) == stored


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        ("(201) 555-0177", "Europe/London", "like 07400 123456"),  # a London landline there
        ("020 7946 0123", "Europe/London", "enter a mobile number"),  # no SMS to a landline
        ("07700 900123", "Europe/London", "like 07400 123456"),  # Ofcom's range for fiction
        ("090-1234-5678", "Asia/Tokyo", "with + and the country code"),
        ("12345", "America/Chicago", "like (201) 555-0123"),
        ("call me", "America/Chicago", "not valid"),
    ],
)
def test_a_number_not_valid_there_says_what_format_is_expected(
    raw: str, zone: str, expected: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        patient_e164(raw, zone)

    assert expected in refused.value.messages[0]


def test_the_full_list_has_only_area_and_place_names() -> None:
    zones = canonical_timezones()

    assert set(zones) <= known_timezones()
    assert set(COMMON_ZONES) <= set(zones)
    assert all("/" in zone for zone in zones)
    assert not [zone for zone in zones if zone.startswith(("Etc/", "US/", "SystemV/", "Canada/"))]
    assert {"Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires"} <= set(zones)
    assert not {"Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires"} & set(zones)


@pytest.mark.skipif(
    not all(table.exists() for table in ZONE_TABLES), reason="no tz tables on this system"
)
def test_the_full_list_is_the_zones_some_country_uses() -> None:
    """Checked against the tz database's own tables where the system ships them."""
    listed = {
        line.split("\t")[2].strip()
        for table in ZONE_TABLES
        for line in table.read_text().splitlines()
        if line and not line.startswith("#")
    }

    assert set(canonical_timezones()) == listed & known_timezones()
