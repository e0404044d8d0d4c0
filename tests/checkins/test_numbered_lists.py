"""The numbered lists of questions (pure): what they show, and the answers one reply records."""

from dataclasses import replace

import pytest

from checkins.catalogue import (
    BY_KEY,
    CATALOGUE,
    Kind,
    Situation,
    listed,
    next_question,
    recorded_answers,
)

WEEKLY = BY_KEY["weekly_flags"]


def _situation(*, kind: Kind = Kind.FULL, cancer: bool = False, **answers: object) -> Situation:
    return Situation(
        kind=kind,
        answers={"back_pain": 3, "leg_pain": 1, "ces_symptoms": False, **answers},
        flags={"cancer_history": cancer},
        has_medicine=False,
        leg_pain_before=2,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["new_trauma"], {"fever_unwell": False, "new_trauma": True, "needs_contact": False}),
        ([], {"fever_unwell": False, "new_trauma": False, "needs_contact": False}),
        (None, {"fever_unwell": None, "new_trauma": None, "needs_contact": None}),
    ],
)
def test_a_reply_records_each_listed_question_yes_no_or_unanswered(
    value: object, expected: dict[str, object]
) -> None:
    items = ("fever_unwell", "new_trauma", "needs_contact")

    assert recorded_answers(WEEKLY, value, items) == {"weekly_flags": value, **expected}


def test_other_questions_record_only_their_own_answer() -> None:
    assert recorded_answers(BY_KEY["fever_unwell"], True, ("ignored",)) == {"fever_unwell": True}
    assert listed(BY_KEY["nerve_symptoms"], _situation()) == ()


@pytest.mark.parametrize(
    ("situation", "shown", "not_shown"),
    [
        (_situation(weakness_worsening=False), {"new_numbness_one_leg"}, {"cancer_spine_pain"}),
        (_situation(weakness_worsening=None), set(), {"new_numbness_one_leg"}),
        (_situation(weakness_worsening=False, cancer=True), {"cancer_spine_pain"}, set()),
    ],
)
def test_the_weekly_list_shows_the_questions_whose_condition_holds(
    situation: Situation, shown: set[str], not_shown: set[str]
) -> None:
    items = listed(WEEKLY, situation)

    assert items[:5] == (
        "fever_unwell",
        "new_trauma",
        "weight_loss_night_pain",
        "new_pain_site",
        "needs_contact",
    )  # the same numbers every week
    assert shown <= set(items)
    assert not not_shown & set(items)


def test_no_list_in_the_short_check_in() -> None:
    short = _situation(kind=Kind.SHORT, weakness_worsening=False)

    assert all(not listed(q, short) for q in CATALOGUE if q.folds)


def test_lists_hold_only_non_emergency_questions_asked_after_every_red_flag() -> None:
    red_flags = [CATALOGUE.index(q) for q in CATALOGUE if q.red_flag]
    for question in (q for q in CATALOGUE if q.folds):
        assert CATALOGUE.index(question) > max(red_flags)
        for key in question.choices:
            assert BY_KEY[key].type in ("yes_no", "choices")
            assert not BY_KEY[key].red_flag
            assert CATALOGUE.index(BY_KEY[key]) > CATALOGUE.index(question)  # asked there first


def test_the_nerve_symptoms_not_picked_are_none_and_picked_are_asked_which() -> None:
    items = ("fever_unwell", "nerve_symptoms")

    assert recorded_answers(WEEKLY, [], items) == {
        "weekly_flags": [],
        "fever_unwell": False,
        "nerve_symptoms": [],
    }
    picked = recorded_answers(WEEKLY, ["nerve_symptoms"], items)
    assert picked == {"weekly_flags": ["nerve_symptoms"], "fever_unwell": False}
    assert recorded_answers(WEEKLY, None, items)["nerve_symptoms"] is None


def test_a_lone_item_is_asked_on_its_own_not_as_a_list() -> None:
    """The short check-in asks the nerve symptoms when leg pain first appears: a list of one
    would cost a text more."""
    short = replace(_situation(kind=Kind.SHORT, weakness_worsening=False), leg_pain_before=0)

    assert listed(WEEKLY, short) == ("nerve_symptoms",)
    assert next_question(short).key == "nerve_symptoms"
