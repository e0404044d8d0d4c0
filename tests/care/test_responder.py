"""Responder status against baseline (Ostelo 2008: 30% or 2 points better), and its words."""

import pytest

from care.responder import change_words, pain_change, verdict


@pytest.mark.parametrize(
    ("baseline", "latest", "responder", "said", "change"),
    [
        (10, 7, True, "responder", "down 3 points (30%)"),  # 30% exactly
        (4, 2, True, "responder", "down 2 points (50%)"),  # 2 points exactly
        (3, 2, True, "responder", "down 1 point (33%)"),  # by percent alone
        (9, 7, True, "responder", "down 2 points (22%)"),  # by points alone
        (8, 7, False, "not a responder", "down 1 point (12%)"),
        (10, 7.5, True, "responder", "down 2.5 points (25%)"),  # a mean of two check-ins
        (7, 5.5, False, "not a responder", "down 1.5 points (21%)"),  # 21%, 1.5 points
        (5, 5, False, "not a responder", "no change"),
        (5, 6, False, "not a responder", "up 1 point (20%)"),
        (0, 0, None, "no pain at baseline", "no change"),
        (0, 3, None, "no pain at baseline", "up 3 points"),  # no percent of nothing
        (6, None, None, "no check-ins yet", ""),
        (None, 4, None, "no baseline recorded", ""),
        (None, None, None, "no baseline recorded", ""),
    ],
)
def test_responder_table(
    baseline: int | None, latest: float | None, responder: bool | None, said: str, change: str
) -> None:
    result = pain_change(baseline, latest)

    assert result.responder is responder
    assert verdict(result) == said
    assert change_words(result) == change


def test_the_30_percent_boundary_is_exact_with_half_points() -> None:
    assert pain_change(5, 3.5).responder is True  # 1.5 of 5 is 30%: no float rounding miss
    assert pain_change(5, 4).responder is False  # 20%, 1 point
