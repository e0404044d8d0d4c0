"""Every SMS text exists in every language and fits its segment budget."""

import pytest
from django.conf import settings

from messaging.texts import TEXTS, budget_problems, render

LANGUAGES = [code for code, _ in settings.LANGUAGES]
CASES = [(key, language) for key in sorted(TEXTS) for language in LANGUAGES]


@pytest.mark.parametrize(("key", "language"), CASES, ids=[f"{k}-{lang}" for k, lang in CASES])
def test_text_renders_within_its_budget(key: str, language: str) -> None:
    body = render(key, language, TEXTS[key].sample)

    assert body
    assert "{{" not in body
    assert "{%" not in body
    assert budget_problems(key, language, body) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("SelfCare: it’s time", "UCS-2 because of '’'"),
        ("SelfCare 👍", "UCS-2 because of '👍'"),
        ("x" * 307, "3 segments > 2"),
    ],
)
def test_the_budget_check_catches_ucs2_surprises_and_long_texts(body: str, problem: str) -> None:
    assert any(problem in p for p in budget_problems("opt_out_intent", "en", body))


def test_the_emergency_number_comes_from_settings(settings: object) -> None:
    settings.EMERGENCY_NUMBER = "999"  # type: ignore[attr-defined]

    assert "999" in render("help", "en")
    assert "911" not in render("help", "en")


def test_spanish_texts_are_in_spanish() -> None:
    assert render("help", "es") != render("help", "en")
    assert "urgencias" in render("help", "es")
