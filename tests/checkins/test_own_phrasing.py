"""Pain answers in patients' own phrasing (issue 17): the texts people really send, with typos,
extra words, emoji and Spanish, and what each must read as. Rows, not a lexicon: a row that
fails says which reply a patient would have been asked again for, or (worse) misread."""

import pytest

from checkins.parsing import (
    pain_alternatives,
    parse_pain,
    parse_pain_answer,
    parse_pain_labelled,
)

# (reply, score): one number in the patient's own words.
ONE_SCORE = [
    # roughly, in English
    ("about a 6", 6),
    ("around 6", 6),
    ("arround 6", 6),  # typo
    ("abt 6", 6),
    ("6ish", 6),
    ("6 ish", 6),
    ("sixish", 6),
    ("like a 5", 5),
    ("more or less 6", 6),
    ("prob a 5", 5),
    ("prolly a 5 tbh", 5),
    ("maybe a 4", 4),
    ("a 9 today", 9),
    ("its a 7", 7),
    ("it's a 7", 7),
    ("it\u2019s a 7", 7),  # a phone's curly apostrophe
    ("Im at a 3", 3),
    ("id say 4", 4),
    ("solid 8", 8),
    ("about six", 6),
    ("around seven", 7),
    ("Eight", 8),
    ("nine today", 9),
    # extra words, punctuation and emoji
    ("6!!", 6),
    ("6!!!!!", 6),
    ("6.", 6),
    ("6 😩", 6),
    ("😩😩 8", 8),
    ("8👎", 8),
    ("6 today, worse at night", 6),
    ("6 today and worse at night", 6),
    ("3 - better than yesterday", 3),
    ("6 today, better than yesterday", 6),
    ("5 from my back today", 5),
    ("Pain is 5", 5),
    ("back pain 5", 5),
    ("7/10 today", 7),
    ("7 of 10", 7),
    ("7 outta 10", 7),
    ("0 no pain today!", 0),
    ("none", 0),
    ("ten!!", 10),
    ("10/10 worst ever", 10),
    # Spanish
    ("como un 6", 6),
    ("como 6", 6),
    ("como seis", 6),
    ("un 6 hoy", 6),
    ("más o menos 6", 6),
    ("mas o menos 6", 6),
    ("6 más o menos", 6),
    ("unos 6", 6),
    ("seís", 6),  # a stray accent
    ("nueve", 9),
    ("Nueve hoy", 9),
    ("ocho", 8),
    ("diez", 10),
    ("un diez", 10),
    ("me duele como un 7", 7),
    ("hoy 4, mejor que ayer", 4),
    ("un dolor de 8", 8),
    ("creo que un 6", 6),
    ("6, menos que ayer", 6),
    ("un dolor de 10", 10),  # "de 10" after a word is the score, not the scale
    ("siete de diez", 7),
    ("7 de 10 😣", 7),
]

# Replies that are not one score: the question stays open and the patient is asked again.
NOT_ONE_SCORE = [
    "7 or 8",
    "7 o 8",
    "6 and 7",
    "6 y 7",
    "7.5",
    "7,5",
    "5-6",
    "5 - 6",
    "7 to 8",
    "de 7 a 8",
    "seven or so",
    "6 o así",
    "seven and a half",
    "seis y medio",
    "a lot",
    "lots",
    "mucho",
    "bad",
    "no pain",  # no number: asked again rather than guessed as 0
    "6 today, 8 last night",
    "worse than a 6",  # a bound, not the score
    "more than 7",
    "over 7 all day",
    "up from 3",
    "less than 5",
    "más de 7",
    "menos de cinco",
    "más que un 7",
    "was 4 now 7",
    "11",
    "12/10",
    "-1",
    "?",
    "😩",
    "",
]


@pytest.mark.parametrize(("text", "score"), ONE_SCORE)
def test_a_pain_reply_in_own_words_reads_as_its_one_number(text: str, score: int) -> None:
    assert parse_pain(text) == score


@pytest.mark.parametrize("text", NOT_ONE_SCORE)
def test_a_pain_reply_that_is_not_one_number_is_not_guessed(text: str) -> None:
    assert parse_pain(text) is None


# Both pain questions answered in one text, named for each.
BOTH = {"back_pain": 6, "leg_pain": 8}


@pytest.mark.parametrize(
    ("text", "scores"),
    [
        ("back 6 leg 8", BOTH),
        ("Back 6 Leg 8", BOTH),
        ("back 6, leg 8", BOTH),
        ("back: 6 leg: 8", BOTH),
        ("back 6 / leg 8", BOTH),
        ("back 6/10 leg 8/10", BOTH),
        ("6 back 8 leg", BOTH),
        ("6 for my back and 8 for my leg", BOTH),
        ("leg 8 back 6", BOTH),
        ("back pain 6 leg pain 8", BOTH),
        ("back about a 6, legs around 8 😩", BOTH),
        ("back six leg eight", BOTH),
        ("back 6 nerve 8", BOTH),
        ("back 6 sciatica 8", BOTH),
        ("espalda 6 pierna 8", BOTH),
        ("Espalda 6, pierna 8", BOTH),
        ("espalda como un 6 y pierna 8", BOTH),
        ("6 espalda 8 pierna", BOTH),
        ("espalda seis piernas ocho", BOTH),
        ("back 0 leg 10", {"back_pain": 0, "leg_pain": 10}),
        ("back 6 leg none", {"back_pain": 6, "leg_pain": 0}),
        ("back 6", {"back_pain": 6}),
        ("leg 8", {"leg_pain": 8}),
        ("pierna 8", {"leg_pain": 8}),
    ],
)
def test_scores_named_for_each_pain_question(text: str, scores: dict[str, int]) -> None:
    assert parse_pain_labelled(text) == scores


@pytest.mark.parametrize(
    "text",
    [
        "back 6 8 leg",  # which number is which?
        "back and leg 6",
        "back and leg 6 and 8",
        "left leg 8 right leg 6",  # one question named twice
        "back 6 back 7",
        "back 6 or 7 leg 8",
        "back 6.5 leg 8",
        "back 5-6 leg 8",
        "back 11 leg 2",
        "back 6 leg",
        "back 6 leg more than 8",
        "back leg",
        "bak 6 leg 8",  # a label misspelt leaves a number without one
        "6",
        "6 and 7",
        "about a 6",
        "",
    ],
)
def test_scores_not_each_clearly_named_are_not_read_as_labelled(text: str) -> None:
    assert parse_pain_labelled(text) is None


@pytest.mark.parametrize(
    ("text", "both"),
    [
        ("6 and 7", (6, 7)),
        ("6 y 7", (6, 7)),
        ("7 or 8", (7, 8)),
        ("7 o 8", (7, 8)),
        ("six and seven", (6, 7)),
        ("between 6 and 7", (6, 7)),
        ("entre 6 y 7", (6, 7)),
        ("8 and 0", (8, 0)),
    ],
)
def test_two_scores_offered_as_one_answer_are_both_found(text: str, both: tuple[int, int]) -> None:
    assert pain_alternatives(text) == both
    assert parse_pain(text) is None


@pytest.mark.parametrize(
    "text",
    ["6", "6 and 6", "6 and 11", "6 7", "6 today and 7 last night", "back 6 and leg 7", "7.5 or 8"],
)
def test_only_two_scores_joined_by_and_or_are_alternatives(text: str) -> None:
    assert pain_alternatives(text) is None


@pytest.mark.parametrize(
    ("text", "question", "score"),
    [
        ("back 6 leg 8", "back_pain", 6),
        ("back 6 leg 8", "leg_pain", 8),
        ("espalda 6 pierna 8", "leg_pain", 8),
        ("back 6", "back_pain", 6),
        ("6, my back is stiff", "back_pain", 6),
        ("8, my leg is killing me", "leg_pain", 8),
        ("about a 6", "back_pain", 6),
        ("6", "leg_pain", 6),
        # Another pain question's score is not this one's: asked again, never misfiled.
        ("leg 8", "back_pain", None),
        ("back 6", "leg_pain", None),
        ("pierna 8", "back_pain", None),
        ("leg 8 no back pain", "back_pain", None),
        ("6, and my leg is fine", "back_pain", None),
        ("6 and 7", "back_pain", None),
    ],
)
def test_the_score_a_reply_gives_the_pain_question_asked(
    text: str, question: str, score: int | None
) -> None:
    assert parse_pain_answer(text, question) == score
