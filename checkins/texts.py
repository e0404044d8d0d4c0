"""The check-in texts, registered with messaging's budget check, and each question's words
without its SMS instructions (for the web form and the clinicians' record)."""

from checkins.catalogue import BY_KEY, CATALOGUE, AnswerType
from messaging.texts import TextSpec, register
from messaging.texts import render as render_text

# Questions fit three segments; the long lists (the body map, the serious medicine effects) may
# take four in Spanish, whose accents need UCS-2. The weekly list stands for up to eleven
# questions, one a line: six segments with every item shown (a patient with a cancer history, a
# medicine and severe leg pain), four for most. Its Spanish uses no á, í, ó or ú, so it goes as
# GSM-7.
LONG = {"pain_sites": 4, "med_serious_side_effect": 4, "weekly_flags": 6}
SCHEDULE_SAMPLE = {
    "when": "Mondays, Wednesdays and Saturdays at 12:30 pm",
    "change": "DAYS MON WED FRI",
    "count": 3,
    "day_example": "DIAS LUNES MIERCOLES VIERNES",
    "quiet_start": "10:00 pm",
    "quiet_end": "10:00 am",
}
WEEK_SAMPLE = {  # the longest lines: two-digit pain, up from a two-digit baseline
    "back": 10,
    "back_change": "up from 10 when you started",
    "leg": 10,
    "leg_change": "up from 10",
}
register(
    *(
        TextSpec(f"q_{q.key}", LONG.get(q.key, 3), {"reminder": True, "items": list(q.choices)})
        for q in CATALOGUE
    ),
    *(TextSpec(f"reprompt_{t.value}", 2, {}) for t in AnswerType),
    TextSpec("reprompt_pain_which", 1, {"first": 6, "second": 7}),
    TextSpec("checkin_thanks", 3, {}),
    # The weekly check-in's closing text: thanks, the week's pain beside the baseline, and the
    # red-flag line, in the one text thanks alone would take (care.week.week_context;
    # tests/checkins/test_week_summary.py renders every change in both languages).
    TextSpec("checkin_week", 3, WEEK_SAMPLE),
    # The patient's own schedule (checkins.own_schedule): a confirmation or a reason to retry.
    *(
        TextSpec(f"schedule_{key}", 2, SCHEDULE_SAMPLE)
        for key in (
            "done",
            "time_unreadable",
            "days_unreadable",
            "days_count",
            "quiet_hours",
            "no_program",
        )
    ),
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
    return capitalised(text)


def capitalised(text: str) -> str:
    """`text` with its first letter a capital, past any opening mark ("¿cuánto…" becomes
    "¿Cuánto…", as a question standing alone is written)."""
    first = next((i for i, character in enumerate(text) if character.isalpha()), None)
    if first is None:
        return text
    return text[:first] + text[first].upper() + text[first + 1 :]


def question_words(key: str) -> str:
    """A question as the clinicians' pages name it: its English words, or, for a key no longer
    in the catalogue, the key in words."""
    return question_prompt(key, "en") if key in BY_KEY else key.replace("_", " ")


def question_prompts(language: str) -> dict[str, str]:
    """Every question's words in `language`, keyed by question key."""
    return {q.key: question_prompt(q.key, language) for q in CATALOGUE}
