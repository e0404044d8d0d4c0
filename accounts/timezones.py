"""Time zones as a clinician chooses them, and the phone region each implies.

The enrollment form offers a short list of the zones a clinic meets most, in words, and the
full list behind "Other…". The full list is the tz database's canonical place names only: the
old spellings it keeps for backward compatibility (US/Eastern, GB, Asia/Calcutta, Etc/GMT+5)
still validate, so stored patients keep working, but nobody is offered them.
"""

from functools import cache

from django.conf import settings

from accounts.models import known_timezones

COMMON_ZONES: dict[str, str] = {
    "America/New_York": "US Eastern (New York)",
    "America/Chicago": "US Central (Chicago)",
    "America/Denver": "US Mountain (Denver)",
    "America/Phoenix": "US Mountain, no daylight saving (Phoenix)",
    "America/Los_Angeles": "US Pacific (Los Angeles)",
    "America/Anchorage": "Alaska (Anchorage)",
    "Pacific/Honolulu": "Hawaii (Honolulu)",
    "America/Puerto_Rico": "Puerto Rico (San Juan)",
    "America/Mexico_City": "Mexico Central (Mexico City)",
    "Europe/London": "UK (London)",
    "Europe/Madrid": "Spain (Madrid)",
}

# Areas that hold only backward-compatible links (US/Eastern, Canada/Pacific, Etc/GMT+5 …).
_LEGACY_AREAS = ("Etc/", "US/", "SystemV/", "Brazil/", "Canada/", "Chile/", "Mexico/")

# The tz database's `backward` links named like places: the names of tzdata 2026f with an area
# that are no country's zone in its zone.tab or zone1970.tab (tzdata, the Python package, ships
# neither table nor the link list, so the names are kept here; a test checks them against the
# tables where the system has them).
_LEGACY_NAMES = frozenset(
    {
        "Africa/Asmera", "Africa/Timbuktu", "America/Argentina/ComodRivadavia", "America/Atka",
        "America/Buenos_Aires", "America/Catamarca", "America/Coral_Harbour", "America/Cordoba",
        "America/Ensenada", "America/Fort_Wayne", "America/Godthab", "America/Indianapolis",
        "America/Jujuy", "America/Knox_IN", "America/Louisville", "America/Mendoza",
        "America/Montreal", "America/Nipigon", "America/Pangnirtung", "America/Porto_Acre",
        "America/Rainy_River", "America/Rosario", "America/Santa_Isabel", "America/Shiprock",
        "America/Thunder_Bay", "America/Virgin", "America/Yellowknife", "Antarctica/South_Pole",
        "Asia/Ashkhabad", "Asia/Calcutta", "Asia/Choibalsan", "Asia/Chongqing", "Asia/Chungking",
        "Asia/Dacca", "Asia/Harbin", "Asia/Istanbul", "Asia/Kashgar", "Asia/Katmandu",
        "Asia/Macao", "Asia/Rangoon", "Asia/Saigon", "Asia/Tel_Aviv", "Asia/Thimbu",
        "Asia/Ujung_Pandang", "Asia/Ulan_Bator", "Atlantic/Faeroe", "Atlantic/Jan_Mayen",
        "Australia/ACT", "Australia/Canberra", "Australia/Currie", "Australia/LHI",
        "Australia/NSW", "Australia/North", "Australia/Queensland", "Australia/South",
        "Australia/Tasmania", "Australia/Victoria", "Australia/West", "Australia/Yancowinna",
        "Europe/Belfast", "Europe/Kiev", "Europe/Nicosia", "Europe/Tiraspol", "Europe/Uzhgorod",
        "Europe/Zaporozhye", "Pacific/Enderbury", "Pacific/Johnston", "Pacific/Ponape",
        "Pacific/Samoa", "Pacific/Truk", "Pacific/Yap",
    }
)  # fmt: skip

# Where a patient in one of these zones writes their number nationally. Every other zone of
# the Americas reads as the North American plan (US, Canada, the Caribbean share +1).
_ZONE_REGIONS = {
    "America/Mexico_City": "MX",
    "America/Puerto_Rico": "PR",
    "Europe/London": "GB",
    "Europe/Madrid": "ES",
    "Pacific/Honolulu": "US",
}


@cache
def canonical_timezones() -> tuple[str, ...]:
    """Every zone a clinician may pick from the full list, A–Z: Area/Place names only."""
    return tuple(
        sorted(
            name
            for name in known_timezones()
            if "/" in name and not name.startswith(_LEGACY_AREAS) and name not in _LEGACY_NAMES
        )
    )


def zone_label(zone: str) -> str:
    return COMMON_ZONES.get(zone, zone.replace("_", " "))


def common_zones(clinic_zone: str) -> list[tuple[str, str]]:
    """The short list in words, the clinic's own zone first (it is the usual answer)."""
    first = [(clinic_zone, f"{zone_label(clinic_zone)}: the clinic's zone")]
    return first + [(zone, label) for zone, label in COMMON_ZONES.items() if zone != clinic_zone]


def phone_region(zone: str) -> str | None:
    """The region whose national format a patient in `zone` uses, or None where SelfCare does
    not know it (the number must then start with + and the country code). A name that is no
    time zone at all reads as the default region: the time zone's own error is the one to fix."""
    if zone not in known_timezones():
        return str(settings.PHONENUMBER_DEFAULT_REGION)
    if zone in _ZONE_REGIONS:
        return _ZONE_REGIONS[zone]
    return "US" if zone.startswith("America/") else None
