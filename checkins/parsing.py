"""Reading patients' SMS replies (pure: no ORM, no I/O). Never raises, whatever the text.

Replies are read tolerantly but never guessed: "7", "7/10", "seven", "siete", "10!" and the
patient's own phrasing around one number ("about a 6", "6ish", "más o menos 6") are a pain score;
"7.5", "5-6", "7 or 8" and "a lot" are not, and the caller asks again. "back 6 leg 8" names a
score for each pain question at once. Yes/no questions say
"reply 1 for yes, 2 for no" (YES is a carrier opt-in keyword) but also take y/n, yes/no, sí/no,
yep/nope and "no thanks"; "not sure" or "no sé" are neither.
"""

import re

from messaging.keywords import fold

__all__ = [
    "fold",
    "pain_alternatives",
    "parse_choices",
    "parse_impression",
    "parse_pain",
    "parse_pain_answer",
    "parse_pain_labelled",
    "parse_yes_no",
]

PAIN_MIN, PAIN_MAX = 0, 10

NUMBER_WORDS = {
    # English
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    # Spanish (accents are folded before lookup)
    "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
YES_WORDS = frozenset(
    {
        "1",
        "y",
        "yes",
        "yeah",
        "yep",
        "yup",
        "yea",
        "si",
        "s",
        "claro",
        "correct",
        "true",
        "affirmative",
        "sure",
    }
)
NO_WORDS = frozenset({"2", "n", "no", "nope", "nah", "nay", "false", "negative", "nada"})
# "No, but…" is not a plain no: what follows qualifies it, so the question is asked again (and
# the detectors read the words in any case).
BUT_WORDS = frozenset(
    {"but", "except", "although", "though", "however", "pero", "aunque", "excepto"}
)
# Words that make an otherwise clear answer uncertain.
UNSURE_WORDS = frozenset(
    {
        "maybe",
        "unsure",
        "not",
        "idk",
        "perhaps",
        "quizas",
        "quiza",
        "tal",
        "vez",
        "se",
        "sure",
        "know",
        "sometimes",
        "depends",
        "or",
        "o",
    }
)
NONE_WORDS = frozenset({"0", "none", "nothing", "ninguno", "ninguna", "nada", "no"})
_NUMBER_OR_WORD = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")


def _tokens(text: str) -> list[str]:
    return _NUMBER_OR_WORD.findall(fold(text))


# "7/10", "7 out of 10", "siete de diez": the 10 is the scale, not a second answer. Only after a
# number: in "un dolor de 10" the 10 is the score.
_SCALE = re.compile(
    rf"(\d|\b(?:{'|'.join(NUMBER_WORDS)}))\s*(?:/|out of|outta|of|de)\s*(?:10|ten|diez)\b"
)
_NOT_A_SCORE = re.compile(r"\d\s*[.,]\s*\d|-\s*\d|\d\s*-\s*\d")  # decimals, negatives, ranges
# A number said as a bound is not the score: "worse than a 6", "up from 3", "más de 7".
_BOUND = re.compile(
    r"\b(?:than|from|over|above|under|below|desde|(?:mas|menos) (?:de|que))\s+"
    rf"(?:(?:a|an|un|una)\s+)?(?:\d|(?:{'|'.join(NUMBER_WORDS)})\b)"
)
# "more or less 6", "más o menos 6": one number said roughly; this "or" offers no second answer.
_ROUGHLY = re.compile(r"\b(?:more or less|mas o menos)\b")
# Beside one number these still make it more than one answer: "seven or so", "seis y medio".
UNCLEAR_WORDS = frozenset({"or", "o", "half", "medio", "media"})
# Two scores joined as one answer ("6 and 7", "6 o 7"): the patient is asked which.
JOINING_WORDS = frozenset({"and", "y", "or", "o"})
# The words that name a pain question in "back 6 leg 8" / "espalda 6 pierna 8".
PAIN_LABELS = {
    "back": "back_pain", "espalda": "back_pain",
    "leg": "leg_pain", "legs": "leg_pain", "nerve": "leg_pain", "nerves": "leg_pain",
    "sciatica": "leg_pain", "pierna": "leg_pain", "piernas": "leg_pain", "nervio": "leg_pain",
    "nervios": "leg_pain", "ciatica": "leg_pain",
}  # fmt: skip


def _pain_tokens(text: str) -> list[str] | None:
    """The reply's numbers and words with the scale and "more or less" taken out; None when it
    holds a decimal, a negative, a range or a bound, which no reading can make one score."""
    folded = _ROUGHLY.sub(" ", _SCALE.sub(r"\1", fold(text)))
    if _NOT_A_SCORE.search(folded) or _BOUND.search(folded):
        return None
    return _NUMBER_OR_WORD.findall(folded)


def _number(token: str) -> int | None:
    """The number a token says ("6", "six", "sixish"), or None for any other word."""
    if token.isdigit():
        # Long digit strings are not scores (and int() refuses past 4300 digits).
        return int(token) if len(token) <= 3 else PAIN_MAX + 1
    return NUMBER_WORDS.get(token.removesuffix("ish"))


def _in_scale(value: int) -> bool:
    return PAIN_MIN <= value <= PAIN_MAX


def _unclear(tokens: list[str]) -> bool:
    return len(tokens) > 1 and not UNCLEAR_WORDS.isdisjoint(tokens)


def parse_pain(text: str) -> int | None:
    """A pain score 0–10, or None when the reply is not exactly one such number.

    Other words around the number are the patient's own phrasing ("its a 7", "6 today, worse
    at night"): the free-text detectors read them, the score is the number.
    """
    tokens = _pain_tokens(text)
    if tokens is None or _unclear(tokens):
        return None
    numbers = [n for n in map(_number, tokens) if n is not None]
    if len(numbers) != 1 or not _in_scale(numbers[0]):
        return None
    return numbers[0]


def pain_alternatives(text: str) -> tuple[int, int] | None:
    """The two scores of a reply that offers both as one answer ("6 and 7", "6 y 7", "7 or 8"),
    so the patient can be asked which; None for anything else. Never a score itself."""
    tokens = _pain_tokens(text)
    if tokens is None:
        return None
    at = [i for i, token in enumerate(tokens) if _number(token) is not None]
    if len(at) != 2 or at[1] - at[0] != 2 or tokens[at[0] + 1] not in JOINING_WORDS:
        return None
    first, second = _number(tokens[at[0]]), _number(tokens[at[1]])
    if first is None or second is None or first == second:
        return None
    if not (_in_scale(first) and _in_scale(second)):
        return None
    return first, second


def _labelled_marks(tokens: list[str]) -> list[int | str]:
    """The scores (int) and the questions labels name (str) in order, a question named twice in
    a row kept once ("leg nerve 8")."""
    marks: list[int | str] = []
    for token in tokens:
        number = _number(token)
        if number is not None:
            marks.append(number)
        elif token in PAIN_LABELS and marks[-1:] != [PAIN_LABELS[token]]:
            marks.append(PAIN_LABELS[token])
    return marks


def parse_pain_labelled(text: str) -> dict[str, int] | None:
    """Scores each named for its question ("back 6 leg 8", "6 back 8 leg", "espalda 6, pierna 8"),
    keyed by question; None unless every number has its own label, on the same side each time,
    each question is named once, and every score is on the scale."""
    tokens = _pain_tokens(text)
    if tokens is None or _unclear(tokens):
        return None
    marks = _labelled_marks(tokens)
    if not marks or len(marks) % 2:
        return None
    label_first = isinstance(marks[0], str)
    scores: dict[str, int] = {}
    for i in range(0, len(marks), 2):
        label, score = (marks[i], marks[i + 1]) if label_first else (marks[i + 1], marks[i])
        if not isinstance(label, str) or not isinstance(score, int) or label in scores:
            return None
        if not _in_scale(score):
            return None
        scores[label] = score
    return scores


def parse_pain_answer(text: str, question: str) -> int | None:
    """The score `text` gives the pain question `question`: the one named for it when the reply
    names scores ("back 6 leg 8"), else the reply's one number, unless the reply speaks of
    another pain question ("leg 8, no back pain" is not a back pain of 8)."""
    named = parse_pain_labelled(text)
    if named is not None:
        return named.get(question)
    tokens = _pain_tokens(text) or []
    if any(PAIN_LABELS.get(token, question) != question for token in tokens):
        return None
    return parse_pain(text)


def parse_yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when the reply is neither or both."""
    words = _tokens(text)
    if not words:
        return None
    first, rest = words[0], set(words[1:])
    if rest & UNSURE_WORDS:
        return None
    if first in YES_WORDS and not rest & NO_WORDS:
        return True
    if first in NO_WORDS and not rest & (YES_WORDS | BUT_WORDS):
        return False
    return None


_UNSURE = re.compile(
    r"\b(not sure|unsure|idk|dunno|don'?t know|do not know|not certain|maybe|perhaps|possibly"
    r"|no se|no lo se|no estoy segur[oa]|quizas?|tal vez|a lo mejor|puede ser)\b"
)


def is_unsure(text: str) -> bool:
    """Whether a reply says the patient does not know ("not sure", "no sé", "maybe")."""
    return _UNSURE.search(fold(text)) is not None


def parse_choices(text: str, count: int) -> list[int] | None:
    """Numbers picked from a numbered list 1..count ("1 3", "1, 3 and 5"); [] for none/0.

    None when any number is outside the list or the reply has no numbers.
    """
    folded = fold(text)
    if re.search(r"-\s*\d|\d\.\d", folded):
        return None  # "-1", ranges such as "1-3" and decimals are not picks from the list
    words = re.findall(r"\d+|[a-z]+", folded)  # "1,3" is two picks here, not a decimal
    if not words:
        return None
    if all(word in NONE_WORDS for word in words):
        return []
    picked: list[int] = []
    for word in words:
        if word.isdigit():
            value = int(word) if len(word) <= 3 else count + 1
            if not 1 <= value <= count:
                return None
            if value not in picked:
                picked.append(value)
        elif word not in {"and", "y", "e"}:
            return None
    return sorted(picked) or None


# The PGIC points in the patient's words (folded), longest first so "very much better" is not
# read as "much better". "mucho, mucho mejor" is how the Spanish text names point 1 (GSM-7).
IMPRESSION_PHRASES = (
    ("very much better", 1), ("very much worse", 7), ("mucho mucho mejor", 1),
    ("mucho mucho peor", 7), ("muchisimo mejor", 1), ("muchisimo peor", 7),
    ("a little better", 3), ("a little worse", 5), ("a bit better", 3), ("a bit worse", 5),
    ("un poco mejor", 3), ("un poco peor", 5), ("algo mejor", 3), ("algo peor", 5),
    ("much better", 2), ("much worse", 6), ("mucho mejor", 2), ("mucho peor", 6),
    ("no change", 4), ("no changes", 4), ("unchanged", 4), ("the same", 4), ("same", 4),
    ("sin cambios", 4), ("sin cambio", 4), ("ningun cambio", 4), ("no ha cambiado", 4),
    ("lo mismo", 4), ("igual", 4),
)  # fmt: skip
_IMPRESSION_PHRASE = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(phrase).replace(r"\ ", r"\s+")
        for phrase, _ in sorted(IMPRESSION_PHRASES, key=lambda p: -len(p[0]))
    )
    + r")\b"
)
_IMPRESSION_VALUES = dict(IMPRESSION_PHRASES)
# "2 of 7", "2/7", "2 de 7": the 7 is the scale, not a second pick.
_IMPRESSION_SCALE = re.compile(r"(\d|\b[a-z]+)\s*(?:/|out of|of|de)\s*(?:7|seven|siete)\b")
# The only other words a reply may hold ("I feel much better, thanks"): anything else ("not
# much better", "2 or 3", "a bit better today") is more than a plain pick, and outside the
# question the same words are a remark for the care team (checkins.services.reply_could_answer).
_IMPRESSION_FILLER = frozenset(
    {"i", "im", "m", "feel", "feeling", "it", "its", "s", "is", "am", "me", "thanks", "thank",
     "you", "ok", "okay", "siento", "estoy", "gracias", "muchas"}
)  # fmt: skip
IMPRESSION_MIN, IMPRESSION_MAX = 1, 7


def parse_impression(text: str) -> int | None:
    """One point 1–7 of the impression-of-change scale: "2", "two", "dos", "2 much better",
    "much better", "mucho mejor", "I feel much better, thanks". None for two points ("2 or
    3", "much better, a little worse"), a number off the scale, a point's number beside
    another point's words, other words ("not much better", "better today"), or no point at
    all ("better" alone does not say how much)."""
    folded = fold(text).replace(",", " ")
    if re.search(r"-\s*\d|\d\s*[.,]\s*\d", folded):
        return None  # ranges, negatives and decimals
    folded = _IMPRESSION_SCALE.sub(r"\1", folded)
    said = {_IMPRESSION_VALUES[" ".join(m.split())] for m in _IMPRESSION_PHRASE.findall(folded)}
    rest = _NUMBER_OR_WORD.findall(_IMPRESSION_PHRASE.sub(" ", folded))
    numbers = [n for n in map(_number, rest) if n is not None]
    if any(_number(word) is None and word not in _IMPRESSION_FILLER for word in rest):
        return None
    if len(numbers) > 1 or len(said) > 1 or (numbers and said and set(numbers) != said):
        return None
    picked = next(iter(numbers or said), None)
    if picked is None or not IMPRESSION_MIN <= picked <= IMPRESSION_MAX:
        return None
    return picked
