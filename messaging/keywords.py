"""Keywords and intents in inbound texts (pure).

Keywords match the whole message only, as carriers do: "STOP" opts out, "I can't stop the pain"
does not. The schedule keywords carry a short argument ("TIME 7pm", "DAYS MON THU"); they match
only when the words after them look like a time or a day, so "time for my pills?" stays free
text for the care team. Free text that sounds like an opt-out ("stop texting me") is not a
keyword; it is flagged for a person to confirm, because consent can be revoked by any
reasonable means. FLARE may begin a longer text: a patient in a flare-up writes more than
one word, and the whole text is still read.
"""

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    LINK = "link"
    TIME = "time"
    DAY = "day"
    FLARE = "flare"


# Twilio's default opt-out words plus Spanish ones (SMS.md).
STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "ALTO",
        "PARAR",
        "CANCELAR",
    }
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})
LINK_WORDS = frozenset({"LINK", "ENLACE"})
TIME_WORDS = frozenset({"TIME", "HORA"})
DAY_WORDS = frozenset({"DAY", "DAYS", "DIA", "DIAS"})
# What the words after TIME or DAY must look like for the text to be that keyword: a time has
# a digit ("7pm", "7 de la tarde") or is noon; days begin with a weekday's first letters, en or
# es ("MON", "lunes"), perhaps after "on" or "los". Their full reading is checkins'.
SCHEDULE_ARGUMENT_WORDS = 5
_TIME_ARGUMENT = re.compile(r".*\d.*|NOON|MIDDAY|MEDIODIA")
_DAY_ARGUMENT = re.compile(r"(?:(?:ON|EVERY|EL|LOS) )?(?:MO|TU|WE|TH|FR|SA|SU|LU|MA|MI|JU|VI|DO).*")
# FLARE may begin a longer text ("flare, can't feel my legs"): the whole text is still read by
# the free-text detectors. Bare "crisis" counts only alone, and the flare reply carries the
# crisis line for it: "crisis de ansiedad" or "crisis, no puedo más" is not a pain flare.
FLARE_START = re.compile(r"(flare[\s-]*up|flare|crisis de dolor)\b(?P<rest>.*)", re.DOTALL)
FLARE_ALONE = frozenset({"CRISIS"})

_EN_ASK = r"stop|quit|no more|don'?t|do not|unsubscribe"
_EN_WHAT = r"text|texting|texts|message|messages|sms|contact|contacting"
_ES_ASK = r"deja|dejen|para|paren|no (me )?(manden|envien|escriban)"
_ES_WHAT = r"mensaje|mensajes|textos|escribir|escribirme"
OPT_OUT_INTENT = re.compile(
    rf"\b({_EN_ASK})\b.{{0,20}}\b({_EN_WHAT})\b"
    r"|\b(leave me alone|remove me|take me off|opt me out)\b"
    rf"|\b({_ES_ASK})\b.{{0,20}}\b({_ES_WHAT})\b"
    r"|\bno mas (mensajes|textos)\b|\bdarme de baja\b",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower-case with accents removed (sí → si) and curly apostrophes made straight (phones
    type curly ones). The one normal form every reading of patients' texts starts from."""
    straight = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", straight)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise(body: str) -> str:
    """Upper-case, accents removed, surrounding space and punctuation stripped."""
    return fold(body).strip().strip(".!¡?¿,;:'\"()").strip().upper()


def keyword(body: str) -> Keyword | None:
    """The keyword `body` consists of (for FLARE, begins with), if any."""
    word = normalise(body)
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    if word in LINK_WORDS:
        return Keyword.LINK
    if flare_rest(body) is not None:
        return Keyword.FLARE
    return _schedule_keyword(word)


def _schedule_keyword(word: str) -> Keyword | None:
    """TIME or DAY with a time or days after it, or alone (answered with an example)."""
    first, _, argument = word.partition(" ")
    argument = " ".join(argument.split())
    if len(argument.split()) > SCHEDULE_ARGUMENT_WORDS:
        return None
    if first in TIME_WORDS and (not argument or _TIME_ARGUMENT.fullmatch(argument)):
        return Keyword.TIME
    if first in DAY_WORDS and (not argument or _DAY_ARGUMENT.fullmatch(argument)):
        return Keyword.DAY
    return None


def keyword_argument(body: str) -> str:
    """The words after a keyword: "7pm" in "TIME 7pm" (folded and upper-cased)."""
    return normalise(body).partition(" ")[2].strip()


def flare_rest(body: str) -> str | None:
    """The words after a leading FLARE ("" for the keyword alone), or None when the text does
    not begin with it ("having a flare today" is free text)."""
    if normalise(body) in FLARE_ALONE:
        return ""
    match = FLARE_START.match(fold(body).strip().lstrip(".!¡?¿,;:'\"()").lstrip())
    if match is None:
        return None
    return match.group("rest").strip().strip(".!¡?¿,;:'\"()-").strip()


ACK = re.compile(r"(?:ACK|OK|ACKNOWLEDGE[D]?)\s*[#:-]?\s*(\d{4,6})")


def ack_code(body: str) -> str | None:
    """The code in a clinician's "ACK 1234" (also "ack1234", "Ack #1234.", "ok 1234"): the
    whole message, as keywords are."""
    match = ACK.fullmatch(normalise(body))
    return match.group(1) if match else None


def sounds_like_opt_out(body: str) -> bool:
    """True for free text that may mean "stop texting me" (never for a bare keyword)."""
    folded = normalise(body).lower()
    return keyword(body) is None and bool(OPT_OUT_INTENT.search(folded))
