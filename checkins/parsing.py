"""Reading patients' SMS replies (pure: no ORM, no I/O). Never raises, whatever the text.

Replies are read tolerantly but never guessed: "7", "7/10", "seven", "siete" and "10!" are a
pain score; "7.5", "7 or 8" and "a lot" are not, and the caller asks again. Yes/no questions say
"reply 1 for yes, 2 for no" (YES is a carrier opt-in keyword) but also take y/n, yes/no, sí/no,
yep/nope and "no thanks"; "not sure" or "no sé" are neither.
"""

import re

from messaging.keywords import fold

__all__ = ["fold", "parse_choices", "parse_pain", "parse_yes_no"]

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


def parse_pain(text: str) -> int | None:
    """A pain score 0–10, or None when the reply is not exactly one such number."""
    folded = fold(text)
    # "7/10", "7 out of 10", "7 de 10": the 10 is the scale, not a second answer.
    folded = re.sub(r"(\d|\b[a-z]+)\s*(?:/|out of|de)\s*(?:10|ten|diez)\b", r"\1", folded)
    if re.search(r"\d\s*[.,]\s*\d|-\s*\d|\d\s*-\s*\d", folded):
        return None  # decimals, negatives and ranges are not scores
    numbers = []
    for token in _NUMBER_OR_WORD.findall(folded):
        if token.isdigit():
            # Long digit strings are not scores (and int() refuses past 4300 digits).
            numbers.append(int(token) if len(token) <= 3 else PAIN_MAX + 1)
        elif token in NUMBER_WORDS:
            numbers.append(NUMBER_WORDS[token])
    if len(numbers) != 1 or not PAIN_MIN <= numbers[0] <= PAIN_MAX:
        return None
    if re.search(r"\b(or|o|and|y|to|a)\b", folded) and len(_tokens(folded)) > 1:
        return None  # "7 or 8" spelled with one word: "seven or so"
    return numbers[0]


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
