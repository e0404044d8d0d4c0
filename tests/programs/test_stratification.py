from itertools import product

import pytest

from programs.stratification import InvalidAnswers, RiskGroup, answer_errors, score


def reference_risk_group(answers: tuple[int, ...]) -> tuple[int, int, str]:
    """Independent formulation of CLINICAL.md: physical items 1-4 + psychosocial items 5-9."""
    bothersome = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1}[answers[8]]
    psychosocial = answers[4] + answers[5] + answers[6] + answers[7] + bothersome
    physical = answers[0] + answers[1] + answers[2] + answers[3]
    total = physical + psychosocial
    if total < 4:
        return total, psychosocial, "low"
    return total, psychosocial, "high" if psychosocial > 3 else "medium"


ALL_ANSWER_SETS = [(*items, item9) for items in product((0, 1), repeat=8) for item9 in range(5)]


def test_every_possible_answer_set_matches_the_reference() -> None:
    assert len(ALL_ANSWER_SETS) == 1280
    groups = {"low": 0, "medium": 0, "high": 0}
    for answers in ALL_ANSWER_SETS:
        result = score(list(answers))
        expected = reference_risk_group(answers)
        assert (result.total, result.psychosocial, result.risk_group.value) == expected, answers
        groups[result.risk_group.value] += 1
    # Counted by hand: item 9 scores 0 for three values and 1 for two.
    # low  = 3 * C(8, <=3) + 2 * C(8, <=2) = 3 * 93 + 2 * 37 = 353
    # high = 2 * (C(4,3) + C(4,4)) * 2**4 + 3 * 1 * 2**4 = 160 + 48 = 208
    assert groups == {"low": 353, "medium": 1280 - 353 - 208, "high": 208}


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "group"),
    [
        # Low: total <= 3, whatever the subscale.
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0, RiskGroup.LOW),
        ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 0, RiskGroup.LOW),
        ([0, 0, 0, 0, 1, 1, 1, 0, 2], 3, 3, RiskGroup.LOW),
        # Total 4 is the first non-low score.
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, RiskGroup.MEDIUM),
        ([1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, RiskGroup.MEDIUM),
        # Subscale 4 is high; 3 with a high total stays medium.
        ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, RiskGroup.HIGH),
        ([1, 1, 1, 1, 1, 1, 1, 0, 2], 7, 3, RiskGroup.MEDIUM),
        ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, RiskGroup.HIGH),
        # Item 9: moderately (2) scores 0, very much (3) scores 1.
        ([0, 0, 0, 1, 1, 1, 1, 0, 2], 4, 3, RiskGroup.MEDIUM),
        ([0, 0, 0, 1, 1, 1, 1, 0, 3], 5, 4, RiskGroup.HIGH),
        ([0, 0, 0, 0, 1, 1, 1, 0, 3], 4, 4, RiskGroup.HIGH),
        ([0, 0, 0, 0, 0, 0, 0, 0, 4], 1, 1, RiskGroup.LOW),
    ],
)
def test_boundaries(answers: list[int], total: int, psychosocial: int, group: RiskGroup) -> None:
    result = score(answers)
    assert (result.total, result.psychosocial, result.risk_group) == (total, psychosocial, group)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0] * 8, "Expected 9 answers, got 8."),
        ([0] * 10, "Expected 9 answers, got 10."),
        ([], "Expected 9 answers, got 0."),
        ("000000000", "Expected a list of 9 answers."),
        (None, "Expected a list of 9 answers."),
        (
            [0, 0, 0, 0, 0, 0, 0, 2, 0],
            "Item 8 (Not enjoyed things (low mood)) must be 0 (disagree) or 1 (agree).",
        ),
        (
            [-1, 0, 0, 0, 0, 0, 0, 0, 0],
            "Item 1 (Leg pain spread) must be 0 (disagree) or 1 (agree).",
        ),
        ([0, 0, 0, 0, 0, 0, 0, 0, 5], "Item 9 (Bothersomeness) must be 0 to 4"),
        ([0, 0, 0, 0, 0, 0, 0, 0, -1], "Item 9 (Bothersomeness) must be 0 to 4"),
        ([True, 0, 0, 0, 0, 0, 0, 0, 0], "Item 1 (Leg pain spread) must be a whole number."),
        (
            [0, 0, "1", 0, 0, 0, 0, 0, 0],
            "Item 3 (Walked only short distances) must be a whole number.",
        ),
        ([0, 0, 0, 0, 0, 0, 0, 0, 1.0], "Item 9 (Bothersomeness) must be a whole number."),
    ],
)
def test_invalid_answers_are_refused_with_a_message(answers: object, message: str) -> None:
    errors = answer_errors(answers)
    assert len(errors) == 1
    assert errors[0].startswith(message)
    with pytest.raises(InvalidAnswers) as raised:
        score(answers)  # type: ignore[arg-type]
    assert raised.value.messages == errors


def test_every_bad_item_is_reported() -> None:
    errors = answer_errors([2, 0, 3, 0, 0, 0, 0, 0, 9])
    assert [e.split(" ")[1] for e in errors] == ["1", "3", "9"]
