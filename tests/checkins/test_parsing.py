"""Reading patients' SMS replies: pain scores, yes/no and numbered choices (SMS.md "Replies")."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkins.parsing import PAIN_MAX, PAIN_MIN, fold, parse_choices, parse_pain, parse_yes_no

# Text of any kind: emoji, control characters, combining marks, other scripts, long bodies.
ANY_TEXT = st.text(st.characters(), max_size=2000)
# Text made mostly of the pieces the parsers look for, so the interesting branches are reached.
REPLY_PIECES = st.sampled_from(
    [
        "0", "1", "2", "3", "5", "7", "10", "11", "99", "007", "-", "/", ".", ",", " ", "!", "¿",
        "/10", " out of ", " de ", "ten", "diez", "seven", "siete", "none", "ninguno", "and", "y",
        "or", "o", "a", "to", "yes", "no", "sí", "si", "not", "sure", "sé", "maybe", "yep", "nope",
        "😀", "\x00", "\n", "\u0301", "٧", "７", "²", "½", "⑳",
    ]
)  # fmt: skip
REPLY_LIKE_TEXT = st.lists(REPLY_PIECES, max_size=30).map("".join)
TEXTS = ANY_TEXT | REPLY_LIKE_TEXT


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("sí", "si"),
        ("Sí", "si"),
        ("NO SÉ", "no se"),
        ("ÑANDÚ", "nandu"),
        ("Diez", "diez"),
        ("７", "7"),
        ("", ""),
        ("don\u2019t", "don't"),
    ],
)
def test_fold_lowercases_and_removes_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7 out of 10", 7),
        ("7 de 10", 7),
        ("seven", 7),
        ("Seven", 7),
        ("siete", 7),
        ("SIETE", 7),
        ("10!", 10),
        ("10/10", 10),
        ("ten", 10),
        ("diez", 10),
        ("0", 0),
        ("0/10", 0),
        ("zero", 0),
        ("cero", 0),
        ("1", 1),
        ("uno", 1),
        ("\t7\n", 7),
    ],
)
def test_parse_pain_reads_one_score_from_0_to_10(text: str, score: int) -> None:
    assert parse_pain(text) == score


@pytest.mark.parametrize(
    "text",
    [
        "11",  # just above the scale
        "100",
        "-1",  # just below the scale
        "- 1",
        "7.5",  # decimals
        "7,5",
        "7 or 8",  # two answers
        "7-8",
        "7 to 8",
        "7 y 8",
        "7 8",
        "seven or so",
        "a lot",  # no number
        "",
        "   ",
        "!",
        "😀",
    ],
)
def test_parse_pain_rejects_anything_but_one_score(text: str) -> None:
    assert parse_pain(text) is None


@pytest.mark.parametrize("n", range(PAIN_MIN, PAIN_MAX + 1))
def test_parse_pain_reads_every_score_as_digits(n: int) -> None:
    assert parse_pain(str(n)) == n
    assert parse_pain(f" {n} ") == n
    assert parse_pain(f"{n}/10") == n


@pytest.mark.parametrize(
    "text",
    [
        "1", "y", "Y", "yes", "YES", "Yes!", "yep", "yeah", "si", "sí", "Sí", "SI", "SÍ", "s",
        "yes please", "si claro",
    ],
)  # fmt: skip
def test_parse_yes_no_reads_yes_in_english_and_spanish(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["2", "n", "N", "no", "NO", "No.", "nope", "nah", "no thanks", "no, thanks", "no gracias"],
)
def test_parse_yes_no_reads_no_in_english_and_spanish(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "not sure",
        "no sé",
        "no se",
        "yes no",
        "no yes",
        "1 2",
        "maybe",
        "yes maybe",
        "sí, tal vez",
        "3",
        "0",
        "",
        " ",
        "?",
        "😀",
    ],
)
def test_parse_yes_no_leaves_ambiguous_replies_unanswered(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("1", [1]),
        ("5", [5]),  # the last item of a list of 5
        ("1 3", [1, 3]),
        ("3 1", [1, 3]),
        ("1 1", [1]),
        ("1, 3 and 5", [1, 3, 5]),
        ("1 y 3", [1, 3]),
        ("1 2 3 4 5", [1, 2, 3, 4, 5]),
        ("0", []),
        ("none", []),
        ("None", []),
        ("ninguno", []),
        ("Ninguna", []),
        pytest.param(
            "1,3",
            [1, 3],
        ),
    ],
)
def test_parse_choices_reads_numbers_from_the_list(text: str, picked: list[int]) -> None:
    assert parse_choices(text, 5) == picked


@pytest.mark.parametrize(
    "text",
    [
        "6",  # just past the end of a list of 5
        "1 6",
        "0 1",  # "none" and a pick together
        "12",
        "1.5",
        "a lot",
        "",
        " ",
        "😀",
        pytest.param(
            "-1",
        ),
        pytest.param(
            "1-3",
        ),
    ],
)
def test_parse_choices_rejects_numbers_outside_the_list_and_non_answers(text: str) -> None:
    assert parse_choices(text, 5) is None


@pytest.mark.parametrize(
    ("count", "text", "picked"),
    [(1, "1", [1]), (1, "2", None), (13, "13", [13]), (13, "14", None)],
)
def test_parse_choices_range_follows_the_list_length(
    count: int, text: str, picked: list[int] | None
) -> None:
    assert parse_choices(text, count) == picked


@settings(max_examples=300)
@given(text=TEXTS)
def test_parse_pain_never_raises_and_returns_a_score_or_none(text: str) -> None:
    score = parse_pain(text)

    assert score is None or (type(score) is int and PAIN_MIN <= score <= PAIN_MAX)


@settings(max_examples=300)
@given(text=TEXTS)
def test_parse_yes_no_never_raises_and_returns_a_bool_or_none(text: str) -> None:
    assert parse_yes_no(text) in (None, True, False)


@settings(max_examples=300)
@given(text=TEXTS, count=st.integers(min_value=1, max_value=20))
def test_parse_choices_never_raises_and_returns_distinct_sorted_picks(
    text: str, count: int
) -> None:
    picked = parse_choices(text, count)

    if picked is not None:
        assert all(type(value) is int and 1 <= value <= count for value in picked)
        assert picked == sorted(set(picked))


@given(n=st.integers(min_value=PAIN_MIN, max_value=PAIN_MAX), pad=st.sampled_from(["", " ", "\t"]))
def test_parse_pain_reads_any_score_with_padding_or_scale(n: int, pad: str) -> None:
    assert parse_pain(f"{pad}{n}{pad}") == n
    assert parse_pain(f"{pad}{n}/10{pad}") == n


def test_parsers_do_not_raise_on_a_huge_number() -> None:
    digits = "1" * 4301

    assert parse_pain(digits) is None
    assert parse_choices(digits, 5) is None


@settings(max_examples=500)
@given(text=TEXTS)
def test_a_text_any_question_could_take_is_never_put_off(text: str) -> None:
    # The webhook leaves a text that reply_could_answer refuses to the drain (seconds later):
    # that is only safe if no question at all would have read it as an answer.
    from checkins.services import BY_KEY, _parse, reply_could_answer

    # A numbered list of questions is read against the items it showed: at most all of them.
    if any(_parse(question, text, question.choices)[0] for question in BY_KEY.values()):
        assert reply_could_answer(text)


@pytest.mark.parametrize(
    ("text", "could"),
    [("7", True), ("yes", True), ("no", True), ("1 3", True), ("none", True), ("sí", True),
     ("feeling a bit better today", False), ("what do you mean?", False), ("thanks!", False)],
)  # fmt: skip
def test_which_texts_could_answer_a_question(text: str, could: bool) -> None:
    from checkins.services import reply_could_answer

    assert reply_could_answer(text) is could
