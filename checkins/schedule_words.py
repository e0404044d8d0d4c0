"""The patient's own check-in schedule in words (pure): reading "7pm", "7 de la tarde" and
"MON THU" from a text, and saying a schedule back in English or Spanish.

A strict table, not a general date parser: the texts are short and their forms few, and a
time we are not sure of is asked again rather than guessed ("TIME 7" could be morning or
evening). Input is folded first (messaging.keywords.fold), so accents and case do not matter.
"""

import re
from collections.abc import Sequence
from datetime import time

from messaging.keywords import fold

# Monday first, as date.weekday(); every accepted spelling of each day, en and es, folded.
DAY_SPELLINGS: tuple[frozenset[str], ...] = (
    frozenset({"mon", "monday", "mondays", "lun", "lunes"}),
    frozenset({"tue", "tues", "tuesday", "tuesdays", "mar", "martes"}),
    frozenset({"wed", "wednesday", "wednesdays", "mie", "mier", "miercoles"}),
    frozenset({"thu", "thur", "thurs", "thursday", "thursdays", "jue", "jueves"}),
    frozenset({"fri", "friday", "fridays", "vie", "viernes"}),
    frozenset({"sat", "saturday", "saturdays", "sab", "sabado", "sabados"}),
    frozenset({"sun", "sunday", "sundays", "dom", "domingo", "domingos"}),
)
DAY_BY_SPELLING = {word: day for day, words in enumerate(DAY_SPELLINGS) for word in words}
# Words between the days that say nothing: "on Mondays and Thursdays", "los lunes y jueves".
DAY_FILLERS = frozenset({"and", "on", "every", "y", "e", "los", "el", "&"})

DAY_NAMES = {
    "en": ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos"),
}
AND = {"en": "and", "es": "y"}

# "7pm", "7:30 pm", "7.30 p.m.", "7 am"
_TWELVE_HOUR = re.compile(r"(\d{1,2})(?:[:.](\d{2}))? ?([ap])\.? ?m\.?")
# "19:00", "19.30", "1900", "19h", "19 hs", and bare 13–23 (no morning reading possible)
_TWENTY_FOUR_HOUR = re.compile(r"(\d{1,2})(?:[:.h]?(\d{2}))? ?(?:h|hs|hrs)?")
# "7 de la tarde", "7:30 de la noche", "8 de la manana", "12 del mediodia"
_SPANISH_PART = re.compile(
    r"(\d{1,2})(?:[:.](\d{2}))? ?(?:de la|del|por la) (manana|mediodia|tarde|noche)"
)
_AT = re.compile(r"^(?:at|a las|a la) ")
_NOON = frozenset({"noon", "midday", "mediodia", "12 noon"})
# Spanish parts of the day, as hours they may hold: "7 de la tarde" is 19:00, "12 del
# mediodía" 12:00; a reading outside the part's hours ("3 de la noche") is not guessed.
_PART_HOURS = {
    "manana": (range(1, 12), 0),
    "mediodia": (range(12, 13), 0),
    "tarde": (range(1, 9), 12),
    "noche": (range(7, 12), 12),
}


def _clock(hour: int, minute: str | None) -> time | None:
    minutes = int(minute) if minute else 0
    if not (0 <= hour <= 23 and 0 <= minutes <= 59):
        return None
    return time(hour, minutes)


def _twelve_hour(hour: int, minute: str | None, half: str) -> time | None:
    if not 1 <= hour <= 12:
        return None
    return _clock(hour % 12 + (12 if half == "p" else 0), minute)


def parse_time(text: str) -> time | None:
    """A local time of day from "7pm", "7:30 pm", "19:00", "7 de la tarde", "noon"; None when
    it cannot be read or could mean two times ("7", "7:30")."""
    words = " ".join(fold(text).strip().strip(".!?¡¿").split())
    words = _AT.sub("", words)
    if words in _NOON:
        return time(12)
    if match := _TWELVE_HOUR.fullmatch(words):
        return _twelve_hour(int(match[1]), match[2], match[3])
    if match := _SPANISH_PART.fullmatch(words):
        hours, add = _PART_HOURS[match[3]]
        hour = int(match[1])
        return _clock(hour + add, match[2]) if hour in hours else None
    if match := _TWENTY_FOUR_HOUR.fullmatch(words):
        hour = int(match[1])
        written_as_24h = (match[2] is not None and len(match[1]) == 2) or hour >= 13
        return _clock(hour, match[2]) if written_as_24h else None
    return None


def parse_days(text: str) -> tuple[int, ...] | None:
    """Weekdays (0 Monday … 6 Sunday, in week order) from "MON THU", "lunes y jueves",
    "Mon, Wed, Fri"; None when any word is not a day, or no day is named."""
    words = re.split(r"[\s,;/+]+", fold(text).strip().strip(".!?¡¿"))
    days: set[int] = set()
    for word in filter(None, words):
        if word in DAY_FILLERS:
            continue
        if word not in DAY_BY_SPELLING:
            return None
        days.add(DAY_BY_SPELLING[word])
    return tuple(sorted(days)) or None


def time_words(at: time, language: str) -> str:
    """A time as a patient reads it: "7:00 pm" in English, "19:00" in Spanish."""
    if language == "es":
        return f"{at:%H:%M}"
    hour = at.hour % 12 or 12
    return f"{hour}:{at:%M} {'am' if at.hour < 12 else 'pm'}"


def days_words(days: Sequence[int], language: str) -> str:
    """ "Mondays and Thursdays"; "los lunes y jueves"."""
    names = [DAY_NAMES[language][day] for day in days]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {AND[language]} {names[-1]}"
    return f"los {listed}" if language == "es" else listed


def when_words(days: Sequence[int], at: time, language: str) -> str:
    """ "Mondays at 7:00 pm"; "los lunes a las 19:00"."""
    joiner = "a las" if language == "es" else "at"
    return f"{days_words(days, language)} {joiner} {time_words(at, language)}"
