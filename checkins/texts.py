"""The check-in texts, registered with messaging's budget check, and each question's words
without its SMS instructions (for the web form and the clinicians' record)."""

from checkins.catalogue import CATALOGUE, AnswerType
from messaging.texts import TextSpec, register
from messaging.texts import render as render_text

# Questions fit three segments; the two lists (the body map, the serious medicine effects) may
# take four in Spanish, whose accents need UCS-2.
LONG = {"pain_sites": 4, "med_serious_side_effect": 4}
register(
    *(TextSpec(f"q_{q.key}", LONG.get(q.key, 3), {"reminder": True}) for q in CATALOGUE),
    *(TextSpec(f"reprompt_{t.value}", 2, {}) for t in AnswerType),
    TextSpec("reprompt_pain_which", 1, {"first": 6, "second": 7}),
    TextSpec("checkin_thanks", 3, {}),
    # The flare-up plan (checkins.flares): three segments with a sample link, four for a
    # longer address or crisis line.
    TextSpec(
        "flare_plan",
        4,
        {
            "link": "https://selfcare.example.org/me/login/?t="
            + "x" * 40
            + "&step=quick-calm-breathing",
            "emergency_number": "911",
            "crisis_line": "988",
        },
    ),
)


def question_prompt(key: str, language: str) -> str:
    """The SMS question without its "reply with…" instruction: the question as a reader of a
    form or a record wants it (one template, so the words never drift from what was sent)."""
    text = render_text(f"q_{key}", language)
    for marker in (" Reply", " Responda"):
        text = text.split(marker)[0]
    text = text.removeprefix("SelfCare check-in: ").removeprefix("SelfCare: ").strip()
    return text[:1].upper() + text[1:]


def question_prompts(language: str) -> dict[str, str]:
    """Every question's words in `language`, keyed by question key."""
    return {q.key: question_prompt(q.key, language) for q in CATALOGUE}
