"""The check-in texts, registered with messaging's budget check."""

from checkins.catalogue import CATALOGUE, AnswerType
from messaging.texts import TextSpec, register, render

# Questions fit three segments; the two lists (the body map, the serious medicine effects) may
# take four in Spanish, whose accents need UCS-2.
LONG = {"pain_sites": 4, "med_serious_side_effect": 4}
register(
    *(TextSpec(f"q_{q.key}", LONG.get(q.key, 3), {"reminder": True}) for q in CATALOGUE),
    *(TextSpec(f"reprompt_{t.value}", 2, {}) for t in AnswerType),
    TextSpec("reprompt_pain_which", 1, {"first": 6, "second": 7}),
    TextSpec("checkin_thanks", 3, {}),
)


def question_words(key: str, language: str) -> str:
    """Question `key` as a page shows it (the web check-in, the escalation page): its SMS text
    without the "reply with…" instruction, which only makes sense by SMS."""
    text = render(f"q_{key}", language)
    for marker in (" Reply", " Responda"):
        text = text.split(marker)[0]
    return text.removeprefix("SelfCare check-in: ").removeprefix("SelfCare: ").strip()
