"""Every SMS SelfCare sends is a template per language under templates/sms/<language>/.

Each text has a segment budget. English texts must stay GSM-7 (one curly quote or emoji would
silently double their cost); Spanish texts may use UCS-2, since á, í, ó, ú and ¿ need it.
tests/messaging/test_texts.py renders every text in every language against its budget.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import engines

from messaging.segments import Encoding, analyse


@dataclass(frozen=True)
class TextSpec:
    key: str
    max_segments: int
    sample: Mapping[str, Any]


# Texts owned by other apps register themselves here with register() from their AppConfig.
TEXTS: dict[str, TextSpec] = {}
UCS2_LANGUAGES = frozenset({"es"})


def register(*specs: TextSpec) -> None:
    for spec in specs:
        TEXTS[spec.key] = spec


register(
    TextSpec("start_confirmation", 2, {}),
    TextSpec("help", 4, {"emergency_number": "911"}),
    TextSpec("unknown_sender", 2, {"emergency_number": "911"}),
    TextSpec("opt_out_intent", 2, {}),
    TextSpec("login_link", 2, {"link": "https://selfcare.example.org/me/login/?t=" + "x" * 40}),
    TextSpec(
        "welcome",
        3,
        {"link": "https://selfcare.example.org/me/login/?t=" + "x" * 40, "emergency_number": "911"},
    ),
    TextSpec("step_nudge", 2, {"sms": "x" * 60, "link": "https://selfcare.example.org/me/"}),
)


def base_context() -> dict[str, Any]:
    return {"emergency_number": settings.EMERGENCY_NUMBER, "crisis_line": settings.CRISIS_LINE}


def render(key: str, language: str, context: Mapping[str, Any] | None = None) -> str:
    """The text `key` in `language`, with the emergency numbers and `context` filled in."""
    if key not in TEXTS:
        raise KeyError(f"unknown SMS text {key!r}")
    template = engines["sms"].get_template(f"{language}/{key}.txt")
    return str(template.render({**base_context(), **(context or {})})).strip()


def budget_problems(key: str, language: str, body: str) -> list[str]:
    """Why `body` (text `key` in `language`) breaks its budget; empty when it fits."""
    info = analyse(body)
    problems = []
    if info.segments > TEXTS[key].max_segments:
        problems.append(f"{key}/{language}: {info.segments} segments > {TEXTS[key].max_segments}")
    if info.encoding == Encoding.UCS2 and language not in UCS2_LANGUAGES:
        problems.append(f"{key}/{language}: UCS-2 because of {info.non_gsm_characters!r}")
    return problems
