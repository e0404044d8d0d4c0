"""What "today" means, for every date rule, in one place.

SelfCare stores instants in UTC and dates as calendar days. Whose calendar a date belongs to
depends on what it is; every date rule in the code calls one of the functions below.

- **A date a clinician types** (presentation, onset, referral): refused only when later than
  today *anywhere* on Earth (UTC+14), so a clinic in any zone can enter its own today, and never
  because the patient's zone is behind UTC: `latest_today`.
- **The clinic's today** (the demo seed's presentation date, dates the admin proposes):
  `CLINIC_TIME_ZONE` (default `UTC`): `clinic_today`.
- **A patient's day** (the enrollment day, the program timeline and its pauses, check-in slots,
  nudges, R10's "42 days since onset", R13's "enrollment + 14 days"): the patient's time zone:
  `local_today`.
- **A referral clock's start and deadline** (days from the episode's dates): the first instant
  of that day in the clinic's zone: `day_start`.

Everything here is pure except `clinic_zone`, which reads the one setting.
"""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

# The easternmost civil time zone (Pacific/Kiritimati): no place on Earth is later than this.
LATEST_OFFSET = timedelta(hours=14)


def latest_today(now: datetime) -> date:
    """The latest date that is "today" somewhere on Earth at `now`."""
    return (now.astimezone(UTC) + LATEST_OFFSET).date()


def local_today(now: datetime, zone: tzinfo) -> date:
    """The date a clock in `zone` shows at `now`."""
    return now.astimezone(zone).date()


def day_start(day: date, zone: tzinfo) -> datetime:
    """The first instant of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def clinic_time_text(
    instant: datetime, form: str = "%Y-%m-%d %H:%M", zone: tzinfo | None = None
) -> str:
    """An instant as the clinic's clock (or `zone`'s) shows it, with the zone's abbreviation
    ("14:05 CST")."""
    local = instant.astimezone(zone or clinic_zone())
    return f"{local.strftime(form)} {local.tzname()}"


def shown_time_text(instant: datetime, form: str = "%a %d %b %H:%M") -> str:
    """An instant in the active time zone (in the admin: the signed-in clinician's own, see
    accounts.middleware), with the zone's abbreviation ("Mon 15 Jun 12:00 CDT")."""
    local = timezone.localtime(instant)
    return f"{local.strftime(form)} {local.tzname()}"


def clinic_today(now: datetime) -> date:
    """Today for the clinic (`CLINIC_TIME_ZONE`)."""
    return local_today(now, clinic_zone())
