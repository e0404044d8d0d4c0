"""Carrier keywords (whole message only) and free-text opt-out intent (SMS.md, line 4)."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.keywords import Keyword, flare_rest, keyword, sounds_like_opt_out

STOP_SYNONYMS = [
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
]
# How a patient may type a keyword: any case, surrounding space, trailing punctuation.
SPELLINGS: list[Callable[[str], str]] = [
    lambda w: w,
    str.lower,
    str.capitalize,
    lambda w: f"  {w.lower()}  ",
    lambda w: f"{w}.",
    lambda w: f"{w.lower()}!",
    lambda w: f"{w.capitalize()}?!",
    lambda w: f"{w}\n",
    lambda w: f"¡{w}!",
    lambda w: f'"{w}"',
]


@pytest.mark.parametrize("spell", SPELLINGS)
@pytest.mark.parametrize("word", STOP_SYNONYMS)
def test_every_stop_synonym_is_the_stop_keyword(word: str, spell: Callable[[str], str]) -> None:
    assert keyword(spell(word)) is Keyword.STOP


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("START", Keyword.START),
        ("start", Keyword.START),
        (" Start. ", Keyword.START),
        ("UNSTOP", Keyword.START),
        ("unstop!", Keyword.START),
        ("HELP", Keyword.HELP),
        ("help?", Keyword.HELP),
        ("INFO", Keyword.HELP),
        ("info", Keyword.HELP),
        ("AYUDA", Keyword.HELP),
        ("¿Ayuda?", Keyword.HELP),
    ],
)
def test_start_and_help_keywords(body: str, expected: Keyword) -> None:
    assert keyword(body) is expected


FLARE_WORDS = ["FLARE", "FLARE UP", "FLARE-UP", "FLAREUP", "CRISIS DE DOLOR", "CRISIS"]


@pytest.mark.parametrize("spell", SPELLINGS)
@pytest.mark.parametrize("word", FLARE_WORDS)
def test_every_flare_word_is_the_flare_keyword(word: str, spell: Callable[[str], str]) -> None:
    assert keyword(spell(word)) is Keyword.FLARE
    assert flare_rest(spell(word)) == ""


@pytest.mark.parametrize(
    ("body", "rest"),
    [
        ("flare, can't feel my legs", "can't feel my legs"),
        ("FLARE and I can’t pee", "and i can't pee"),  # folded, curly apostrophe straight
        ("Flare up 8/10 today", "8/10 today"),
        ("flare-up: back is killing me", "back is killing me"),
        ("Crisis de dolor, no puedo dormir", "no puedo dormir"),
        ("CRISIS DE DOLÓR!!", ""),
    ],
)
def test_a_text_beginning_with_flare_is_the_keyword_with_the_rest_kept(
    body: str, rest: str
) -> None:
    assert keyword(body) is Keyword.FLARE
    assert flare_rest(body) == rest


@pytest.mark.parametrize(
    "body",
    [
        "having a flare today",  # a sentence about a flare is free text
        "I think it's a flare up",
        "flared up again last night",
        "flares",
        "my back flare up",
        "crisis de ansiedad",  # bare "crisis" counts only alone: not every crisis is pain
        "crisis, no puedo más",
        "I'm in crisis",
        "mental health crisis",
        "",
    ],
)
def test_flare_elsewhere_in_a_sentence_is_not_the_keyword(body: str) -> None:
    assert keyword(body) is None
    assert flare_rest(body) is None


@pytest.mark.parametrize(
    "body",
    [
        "I can't stop the pain",
        "stop please",
        "please stop",
        "STOP 🙏",
        "S T O P",
        "stops",
        "YES",
        "yes",
        "1",
        "7",
        "",
        "   ",
        "help me",
    ],
)
def test_a_keyword_must_be_the_whole_message(body: str) -> None:
    assert keyword(body) is None


@pytest.mark.parametrize(
    "body",
    [
        "stop texting me",
        "Stop texting me!",
        "please don't text me anymore",
        "no more messages",
        "No more texts please",
        "stop sending me texts",
        "do not message me",
        "leave me alone",
        "remove me from this list",
        "no más mensajes",
        "No mas mensajes",
        "dejen de mandarme mensajes",
        "no me manden mensajes",
        "quiero darme de baja",
        pytest.param(
            "please don’t text me anymore",
        ),
    ],
)
def test_free_text_that_sounds_like_an_opt_out_is_flagged(body: str) -> None:
    assert keyword(body) is None
    assert sounds_like_opt_out(body) is True


@pytest.mark.parametrize(
    "body",
    [
        "I can't stop the pain",
        "stop please",  # two words: neither a keyword nor about messages
        "the pain won't stop",
        "7",
        "yes",
        "",
        "STOP",  # a bare keyword is handled as the keyword, not as intent
        "stop",
        "Cancelar.",
        "UNSUBSCRIBE",
    ],
)
def test_other_text_and_bare_keywords_are_not_opt_out_intent(body: str) -> None:
    assert sounds_like_opt_out(body) is False


@given(body=st.text(st.characters(), max_size=2000))
def test_keyword_and_intent_never_raise_and_never_overlap(body: str) -> None:
    found = keyword(body)

    assert found is None or isinstance(found, Keyword)
    if found is not None:
        assert sounds_like_opt_out(body) is False
