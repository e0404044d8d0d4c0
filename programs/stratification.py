"""STarT Back scoring (pure: no ORM, no I/O).

The clinician administers the official STarT Back tool (© Keele University) and enters the nine
answers; SelfCare shows only short construct labels and scores them as in CLINICAL.md:

- items 1–8 are agree (1) / disagree (0) and score their value;
- item 9 (bothersomeness) is 0 not at all … 4 extremely and scores 1 for "very much" (3) or
  "extremely" (4);
- total = items 1–9 (0–9); psychosocial subscale = items 5–9 (0–5);
- low: total ≤ 3; high: subscale ≥ 4; medium: everything else.

Source: Hill JC et al., Arthritis Rheum 2008;59(5):632–641 (scoring and cut-points), as
summarised in design/CLINICAL.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

ITEM_COUNT = 9
BOTHERSOME_ITEM = 9
BOTHERSOME_MAX = 4
BOTHERSOME_SCORING_FROM = 3  # "very much" and "extremely" score 1
PSYCHOSOCIAL_ITEMS = (5, 6, 7, 8, 9)
LOW_RISK_MAX_TOTAL = 3
HIGH_RISK_MIN_PSYCHOSOCIAL = 4

# Short construct labels only: the questionnaire wording is Keele University's, not ours.
ITEM_LABELS: dict[int, str] = {
    1: "Leg pain spread",
    2: "Shoulder or neck pain",
    3: "Walked only short distances",
    4: "Dressed more slowly",
    5: "Not safe to be active (fear)",
    6: "Worrying thoughts (anxiety)",
    7: "Terrible and never better (catastrophising)",
    8: "Not enjoyed things (low mood)",
    9: "Bothersomeness",
}
BOTHERSOME_LABELS: dict[int, str] = {
    0: "Not at all",
    1: "Slightly",
    2: "Moderately",
    3: "Very much",
    4: "Extremely",
}


class RiskGroup(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


RISK_GROUP_WORDS = {
    RiskGroup.LOW: "Low risk",
    RiskGroup.MEDIUM: "Medium risk",
    RiskGroup.HIGH: "High risk",
}
RISK_GROUPS = [group.value for group in RiskGroup]  # the API's choices, as the schema names them


@dataclass(frozen=True)
class StartBackResult:
    total: int
    psychosocial: int
    risk_group: RiskGroup


class InvalidAnswers(ValueError):
    """The answers are not nine values in range; `messages` says what is wrong, item by item."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def answer_errors(answers: object) -> list[str]:
    """Return what is wrong with `answers` (empty when they can be scored)."""
    if not isinstance(answers, Sequence) or isinstance(answers, str | bytes):
        return [f"Expected a list of {ITEM_COUNT} answers."]
    if len(answers) != ITEM_COUNT:
        return [f"Expected {ITEM_COUNT} answers, got {len(answers)}."]
    errors = []
    for item, value in enumerate(answers, start=1):
        # bool is an int subclass; True is not an answer.
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"Item {item} ({ITEM_LABELS[item]}) must be a whole number.")
        elif item == BOTHERSOME_ITEM and not 0 <= value <= BOTHERSOME_MAX:
            errors.append(
                f"Item {item} ({ITEM_LABELS[item]}) must be 0 to {BOTHERSOME_MAX} "
                "(not at all, slightly, moderately, very much, extremely)."
            )
        elif item != BOTHERSOME_ITEM and value not in (0, 1):
            errors.append(f"Item {item} ({ITEM_LABELS[item]}) must be 0 (disagree) or 1 (agree).")
    return errors


def item_score(item: int, value: int) -> int:
    if item == BOTHERSOME_ITEM:
        return 1 if value >= BOTHERSOME_SCORING_FROM else 0
    return value


def score(answers: Sequence[int]) -> StartBackResult:
    """Score nine STarT Back answers; raises InvalidAnswers when they cannot be scored."""
    errors = answer_errors(answers)
    if errors:
        raise InvalidAnswers(errors)
    scores = {item: item_score(item, value) for item, value in enumerate(answers, start=1)}
    total = sum(scores.values())
    psychosocial = sum(scores[item] for item in PSYCHOSOCIAL_ITEMS)
    if total <= LOW_RISK_MAX_TOTAL:
        group = RiskGroup.LOW
    elif psychosocial >= HIGH_RISK_MIN_PSYCHOSOCIAL:
        group = RiskGroup.HIGH
    else:
        group = RiskGroup.MEDIUM
    return StartBackResult(total=total, psychosocial=psychosocial, risk_group=group)
