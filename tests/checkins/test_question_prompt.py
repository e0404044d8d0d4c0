"""The question as a form shows it: its first letter a capital in both languages."""

import pytest

from checkins.catalogue import CATALOGUE
from checkins.texts import capitalised, question_prompt


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("¿cuánto le dolió?", "¿Cuánto le dolió?"),
        ("how much?", "How much?"),
        ("Already", "Already"),
        ("¿¡", "¿¡"),
        ("", ""),
    ],
)
def test_capitalised(text: str, shown: str) -> None:
    assert capitalised(text) == shown


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_question_starts_with_a_capital(language: str) -> None:
    for question in CATALOGUE:
        text = question_prompt(question.key, language)
        assert next(c for c in text if c.isalpha()).isupper(), text
