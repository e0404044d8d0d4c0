"""Escalation rules R1–R23 (CLINICAL.md "Escalation rules"), due times and referral clocks.

Every rule gets a table of when it fires and when it does not, with severity, clock and patient
message key, including the boundaries CLINICAL.md names. Pain histories are newest first, the
current check-in's answer included, as `RuleInput.history` documents.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from escalations import rules
from escalations.rules import Clock, Hit, RuleInput, Severity

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()

Outcome = tuple[str, Severity, Clock | None, str | None]


def make_input(**overrides: Any) -> RuleInput:
    """A quiet patient enrolled today: no flags, no answers, baseline back 5 / leg 4."""
    defaults: dict[str, Any] = {
        "now": NOW,
        "flags": {},
        "enrolled_on": TODAY,
        "onset_date": None,
        "presentation_date": TODAY,
        "baseline_back": 5,
        "baseline_leg": 4,
        "baseline_site_count": 2,
    }
    return RuleInput(**{**defaults, **overrides})


def outcome(hit: Hit | None) -> Outcome | None:
    if hit is None:
        return None
    return hit.rule, hit.severity, hit.clock, hit.message


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def hit(rule: str, severity: Severity, *, clock: Clock | None = None) -> Hit:
    return Hit(rule, severity, "reason", clock=clock, message=f"esc_{rule.lower()}")


def test_a_quiet_patient_fires_nothing() -> None:
    every_rule = rules.ANSWER_RULES + rules.TEXT_RULES + [rules.r13, rules.r19]
    assert rules.evaluate(make_input(), every_rule) == []


def test_evaluate_returns_the_hits_of_the_given_rules_in_order() -> None:
    data = make_input(current={"ces_symptoms": True, "fever_unwell": True})
    assert [h.rule for h in rules.evaluate(data, rules.ANSWER_RULES)] == ["R1", "R5"]
    # The text rules read the words; answers alone raise none of theirs but R5's own.
    assert [h.rule for h in rules.evaluate(data, rules.TEXT_RULES)] == ["R5"]
    assert rules.evaluate(make_input(current={"ces_symptoms": True}), rules.TEXT_RULES) == []


# --- R1–R3: cauda equina, worsening weakness, cancer ---------------------------------------------

R1 = ("R1", Severity.EMERGENCY, None, "esc_r1")


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ({"ces_symptoms": True}, R1),
        ({"ces_symptoms": False}, None),
        ({"ces_symptoms": None}, None),
        ({}, None),
        ({"weakness_worsening": True}, None),
    ],
)
def test_r1_cauda_equina_symptoms(current: dict[str, object], expected: Outcome | None) -> None:
    assert outcome(rules.r1(make_input(current=current))) == expected


R2 = ("R2", Severity.EMERGENCY, None, "esc_r2")


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ({"weakness_worsening": True}, R2),
        ({"weakness_worsening": False}, None),
        ({}, None),
        ({"new_numbness_one_leg": True}, None),
    ],
)
def test_r2_worsening_weakness(current: dict[str, object], expected: Outcome | None) -> None:
    assert outcome(rules.r2(make_input(current=current))) == expected


R3 = ("R3", Severity.EMERGENCY, None, "esc_r3")


@pytest.mark.parametrize(
    ("flags", "current", "expected"),
    [
        ({"cancer_history": True}, {"ces_symptoms": True}, R3),
        ({"cancer_history": True}, {"weakness_worsening": True}, R3),
        ({"cancer_history": True}, {"new_numbness_one_leg": True}, R3),
        ({"cancer_history": True}, {}, None),
        ({"cancer_history": True}, {"new_numbness_one_leg": False}, None),
        ({"cancer_history": True}, {"cancer_spine_pain": True}, None),
        ({"cancer_history": False}, {"ces_symptoms": True}, None),
        ({}, {"new_numbness_one_leg": True}, None),
        ({"osteoporosis_or_steroids": True}, {"weakness_worsening": True}, None),
    ],
)
def test_r3_neurological_symptoms_with_cancer_history(
    flags: dict[str, bool], current: dict[str, object], expected: Outcome | None
) -> None:
    assert outcome(rules.r3(make_input(flags=flags, current=current))) == expected


# --- R4–R7: other red flags --------------------------------------------------------------------

R4 = ("R4", Severity.H24, None, "esc_r4")


@pytest.mark.parametrize(
    ("flags", "current", "expected"),
    [
        ({"cancer_history": True}, {"cancer_spine_pain": True}, R4),
        ({"cancer_history": True}, {"cancer_spine_pain": False}, None),
        ({"cancer_history": False}, {"cancer_spine_pain": True}, None),
        ({}, {"cancer_spine_pain": True}, None),
    ],
)
def test_r4_spinal_pain_with_cancer_history(
    flags: dict[str, bool], current: dict[str, object], expected: Outcome | None
) -> None:
    assert outcome(rules.r4(make_input(flags=flags, current=current))) == expected


R5_SAME_DAY = ("R5", Severity.SAME_DAY, None, "esc_r5_same_day")
R5_24H = ("R5", Severity.H24, None, "esc_r5")


@pytest.mark.parametrize(
    ("flags", "fever", "expected"),
    [
        ({"immunosuppressed": True}, True, R5_SAME_DAY),
        ({"iv_drug_use": True}, True, R5_SAME_DAY),
        ({"recent_infection_or_spinal_procedure": True}, True, R5_SAME_DAY),
        ({"immunosuppressed": True, "iv_drug_use": True}, True, R5_SAME_DAY),
        ({}, True, R5_24H),
        ({"immunosuppressed": False, "iv_drug_use": False}, True, R5_24H),
        ({"cancer_history": True}, True, R5_24H),
        ({"osteoporosis_or_steroids": True}, True, R5_24H),
        ({"immunosuppressed": True}, False, None),
        ({}, False, None),
    ],
)
def test_r5_fever_same_day_with_an_infection_risk_else_24h(
    flags: dict[str, bool], fever: bool, expected: Outcome | None
) -> None:
    data = make_input(flags=flags, current={"fever_unwell": fever})
    assert outcome(rules.r5(data)) == expected


R6_MAJOR = ("R6", Severity.EMERGENCY, None, "esc_r6_major")
R6_24H = ("R6", Severity.H24, None, "esc_r6")
R6_ROUTINE = ("R6", Severity.ROUTINE, None, "esc_r6_routine")


@pytest.mark.parametrize(
    ("flags", "current", "expected"),
    [
        ({}, {"new_trauma": True, "trauma_major": True}, R6_MAJOR),
        (
            {"osteoporosis_or_steroids": True},
            {"new_trauma": True, "trauma_major": True},
            R6_MAJOR,
        ),
        ({"osteoporosis_or_steroids": True}, {"new_trauma": True}, R6_24H),
        ({"osteoporosis_or_steroids": True}, {"new_trauma": True, "trauma_major": False}, R6_24H),
        ({}, {"new_trauma": True, "trauma_major": False}, R6_ROUTINE),
        ({}, {"new_trauma": True}, R6_ROUTINE),
        ({"immunosuppressed": True}, {"new_trauma": True}, R6_ROUTINE),
        ({}, {"new_trauma": False, "trauma_major": True}, None),
        ({"osteoporosis_or_steroids": True}, {}, None),
    ],
)
def test_r6_trauma_emergency_if_major_24h_with_osteoporosis_else_routine(
    flags: dict[str, bool], current: dict[str, object], expected: Outcome | None
) -> None:
    assert outcome(rules.r6(make_input(flags=flags, current=current))) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(True, ("R7", Severity.H24, None, "esc_r7")), (False, None), (None, None)],
)
def test_r7_weight_loss_or_night_pain(answer: bool | None, expected: Outcome | None) -> None:
    data = make_input(current={"weight_loss_night_pain": answer})
    assert outcome(rules.r7(data)) == expected


# --- R8–R12: leg pain, numbness, pain trends ------------------------------------------------------

R8 = ("R8", Severity.H72, Clock.TWO_WEEKS, "esc_r8")


@pytest.mark.parametrize(
    ("current", "history", "expected"),
    [
        ({"leg_pain_disabling": True}, {}, R8),
        ({"leg_pain_disabling": True}, {"leg_pain": [4]}, R8),
        ({}, {"leg_pain": [7, 7]}, R8),
        ({}, {"leg_pain": [10, 8]}, R8),
        ({}, {"leg_pain": [7, 7, 0]}, R8),
        ({}, {"leg_pain": [7, 6]}, None),
        ({}, {"leg_pain": [6, 7]}, None),
        ({}, {"leg_pain": [7]}, None),
        ({}, {"leg_pain": [6, 6]}, None),
        ({}, {"leg_pain": [0, 7, 7]}, None),  # only the last two answers count
        ({"leg_pain_disabling": False}, {"leg_pain": [7, 6]}, None),
        ({}, {"back_pain": [9, 9]}, None),  # back pain is not leg pain
    ],
)
def test_r8_disabling_or_severe_leg_pain_twice(
    current: dict[str, object], history: dict[str, list[int]], expected: Outcome | None
) -> None:
    assert outcome(rules.r8(make_input(current=current, history=history))) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(True, ("R9", Severity.H24, Clock.TWO_WEEKS, "esc_r9")), (False, None), (None, None)],
)
def test_r9_new_numbness_in_one_leg(answer: bool | None, expected: Outcome | None) -> None:
    data = make_input(current={"new_numbness_one_leg": answer})
    assert outcome(rules.r9(data)) == expected


R10 = ("R10", Severity.ROUTINE, Clock.THREE_MONTHS, "esc_r10")


@pytest.mark.parametrize(
    ("baseline_leg", "onset_days", "presentation_days", "leg", "expected"),
    [
        # baseline leg pain: 3 is radicular enough, 2 is not
        (3, 42, 42, [3, 3], R10),
        (2, 42, 42, [5, 5], None),
        (0, 42, 42, [5, 5], None),
        # 6 weeks since onset: day 42 fires, day 41 does not
        (4, 42, 0, [4, 4], R10),
        (4, 41, 100, [4, 4], None),
        (4, 100, 0, [4, 4], R10),
        # onset unknown: presentation date is used
        (4, None, 42, [4, 4], R10),
        (4, None, 41, [4, 4], None),
        # mean of the last two > 70 % of baseline; exactly 70 % does not fire
        (10, 42, 42, [8, 7], R10),
        (10, 42, 42, [7, 8], R10),
        (10, 42, 42, [7, 7], None),
        (10, 42, 42, [6, 8], None),
        (5, 42, 42, [4, 3], None),  # 3.5 is exactly 70 % of 5
        (5, 42, 42, [4, 4], R10),
        (4, 42, 42, [3, 3], R10),  # 3 > 2.8
        (4, 42, 42, [3, 2], None),  # 2.5 <= 2.8
        # two answers are needed
        (4, 42, 42, [9], None),
        (4, 42, 42, [], None),
    ],
)
def test_r10_leg_pain_not_settling_after_six_weeks(
    baseline_leg: int,
    onset_days: int | None,
    presentation_days: int,
    leg: list[int],
    expected: Outcome | None,
) -> None:
    data = make_input(
        baseline_leg=baseline_leg,
        onset_date=None if onset_days is None else days_ago(onset_days),
        presentation_date=days_ago(presentation_days),
        history={"leg_pain": leg},
    )
    assert outcome(rules.r10(data)) == expected


R11 = ("R11", Severity.H72, None, "esc_r11")


@pytest.mark.parametrize("question", ["back_pain", "leg_pain"])
@pytest.mark.parametrize(
    ("baseline", "values", "fires"),
    [
        (5, [7, 7], True),  # +2 and 7 >= 6.5
        (5, [8, 9], True),
        (5, [7, 6], False),
        (5, [6, 7], False),
        (5, [7], False),
        (5, [6, 6], False),  # 6 >= 6.5 is false
        (4, [6, 6], True),  # +2 and 6 >= 5.2
        (4, [6, 5], False),
        (8, [10, 10], False),  # +2 but 10 >= 10.4 is false
        (8, [11, 11], True),
        (7, [9, 9], False),  # +2 but 9 >= 9.1 is false
        (7, [10, 10], True),
        (10, [10, 10], False),  # 12 is off the scale: a baseline of 10 can never fire
        (3, [5, 5], True),  # 5 >= 3.9
        (3, [4, 4], False),  # 130 % but only +1
        (0, [2, 2], True),
        (0, [1, 1], False),
        (5, [0, 7, 7], False),  # only the last two answers count
    ],
)
def test_r11_pain_worse_than_baseline_twice(
    question: str, baseline: int, values: list[int], fires: bool
) -> None:
    baselines = {"baseline_back": 0, "baseline_leg": 0}
    baselines["baseline_back" if question == "back_pain" else "baseline_leg"] = baseline
    data = make_input(**baselines, history={question: values})
    assert outcome(rules.r11(data)) == (R11 if fires else None)


def test_r11_needs_two_answers_of_the_same_question() -> None:
    data = make_input(baseline_back=5, baseline_leg=5, history={"back_pain": [7], "leg_pain": [7]})
    assert rules.r11(data) is None


R12 = ("R12", Severity.H72, None, "esc_r12")


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ({"back_pain": [8, 8]}, R12),
        ({"leg_pain": [8, 8]}, R12),
        ({"back_pain": [10, 9]}, R12),
        ({"back_pain": [8, 8], "leg_pain": [0, 0]}, R12),
        ({"back_pain": [8, 7]}, None),
        ({"back_pain": [7, 8]}, None),
        ({"leg_pain": [8]}, None),
        ({"back_pain": [8], "leg_pain": [8]}, None),
        ({"back_pain": [7, 7], "leg_pain": [7, 7]}, None),
        ({"back_pain": [1, 8, 8]}, None),
    ],
)
def test_r12_any_pain_eight_or_more_twice(
    history: dict[str, list[int]], expected: Outcome | None
) -> None:
    assert outcome(rules.r12(make_input(history=history))) == expected


# --- R13–R17: re-screen, nerve pain, sites, medicines --------------------------------------------

R13 = ("R13", Severity.ROUTINE, None, None)


@pytest.mark.parametrize(("days", "expected"), [(0, None), (13, None), (14, R13), (15, R13)])
def test_r13_re_screen_two_weeks_after_enrollment(days: int, expected: Outcome | None) -> None:
    assert outcome(rules.r13(make_input(enrolled_on=days_ago(days)))) == expected


R14 = ("R14", Severity.ROUTINE, None, "esc_r14")


@pytest.mark.parametrize(
    ("chosen", "screen", "expected"),
    [
        ([1, 2, 3], False, R14),
        ([1, 2, 3, 4, 5], False, R14),
        ([1, 2], False, None),
        ([], False, None),
        (None, False, None),
        ([], True, R14),
        (None, True, R14),
        ([1, 2], True, R14),
    ],
)
def test_r14_three_nerve_symptoms_or_positive_screen(
    chosen: list[int] | None, screen: bool, expected: Outcome | None
) -> None:
    current = {} if chosen is None else {"nerve_symptoms": chosen}
    data = make_input(current=current, positive_neuropathic_screen=screen)
    assert outcome(rules.r14(data)) == expected


R15 = ("R15", Severity.ROUTINE, None, "esc_r15")


@pytest.mark.parametrize(
    ("new_pain_site", "site_count", "expected"),
    [
        (True, None, R15),
        (True, 2, R15),
        (None, 3, R15),  # baseline 2 sites: growing
        (False, 3, R15),
        (None, 2, None),  # equal
        (False, 2, None),
        (None, 1, None),
        (False, None, None),
        (None, None, None),
    ],
)
def test_r15_new_pain_site_or_more_sites(
    new_pain_site: bool | None, site_count: int | None, expected: Outcome | None
) -> None:
    data = make_input(
        baseline_site_count=2, current={"new_pain_site": new_pain_site}, site_count=site_count
    )
    assert outcome(rules.r15(data)) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ({"med_serious_side_effect": True}, ("R16", Severity.EMERGENCY, None, "esc_r16")),
        ({"med_serious_side_effect": False}, None),
        ({"med_side_effect": True}, None),
    ],
)
def test_r16_serious_medicine_reaction(
    current: dict[str, object], expected: Outcome | None
) -> None:
    assert outcome(rules.r16(make_input(current=current))) == expected


R17_72H = ("R17", Severity.H72, None, "esc_r17")
R17_ROUTINE = ("R17", Severity.ROUTINE, None, "esc_r17")


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ({"med_side_effect": True}, R17_72H),
        ({"med_missed_doses": True}, R17_ROUTINE),
        ({"med_side_effect": True, "med_missed_doses": True}, R17_72H),
        ({"med_side_effect": False, "med_missed_doses": True}, R17_ROUTINE),
        ({"med_side_effect": False, "med_missed_doses": False}, None),
        ({}, None),
    ],
)
def test_r17_side_effects_72h_missed_doses_routine(
    current: dict[str, object], expected: Outcome | None
) -> None:
    assert outcome(rules.r17(make_input(current=current))) == expected


@pytest.mark.parametrize("for_sciatica", [True, False])
@pytest.mark.parametrize(
    ("medicine_class", "always", "for_sciatica_only"),
    [
        ("opioid", True, False),
        ("benzodiazepine", True, False),
        ("gabapentinoid", False, True),
        ("nsaid", False, False),
        ("tricyclic", False, False),
        ("snri", False, False),
        ("topical", False, False),
        ("other", False, False),
    ],
)
def test_r18_guideline_review_of_a_new_medicine(
    medicine_class: str, always: bool, for_sciatica_only: bool, for_sciatica: bool
) -> None:
    hit_ = rules.r18(medicine_class=medicine_class, for_sciatica=for_sciatica)
    fires = always or (for_sciatica_only and for_sciatica)
    assert outcome(hit_) == (("R18", Severity.ROUTINE, None, None) if fires else None)


# --- R19–R20: silence, no improvement ------------------------------------------------------------

R19 = ("R19", Severity.ROUTINE, None, None)


@pytest.mark.parametrize(
    ("expired_in_a_row", "silent_for", "expected"),
    [
        (3, None, R19),
        (4, None, R19),
        (2, None, None),
        (0, None, None),
        (0, timedelta(days=7), R19),
        (0, timedelta(days=30), R19),
        (0, timedelta(days=7) - timedelta(seconds=1), None),
        (0, timedelta(days=6), None),
        (2, timedelta(days=6), None),
        (3, timedelta(hours=1), R19),
    ],
)
def test_r19_three_expired_in_a_row_or_seven_days_of_silence(
    expired_in_a_row: int, silent_for: timedelta | None, expected: Outcome | None
) -> None:
    data = make_input(
        expired_in_a_row=expired_in_a_row,
        last_heard_at=None if silent_for is None else NOW - silent_for,
    )
    assert outcome(rules.r19(data)) == expected


R20 = ("R20", Severity.ROUTINE, None, None)


@pytest.mark.parametrize(
    ("escalations", "history", "expected"),
    [
        (3, {"back_pain": [8]}, R20),  # 20 % better
        (3, {"back_pain": [7, 10]}, None),  # exactly 30 % better (newest answer counts)
        (3, {"back_pain": [10, 7]}, R20),  # 0 % better now
        (3, {"back_pain": [6]}, None),
        (2, {"back_pain": [8]}, None),
        (2, {"back_pain": [10]}, None),
        (5, {"back_pain": [10]}, R20),
        (3, {"back_pain": [7], "leg_pain": [4]}, None),
        (3, {"back_pain": [7], "leg_pain": [8]}, R20),  # the worse of the two counts
        (3, {}, None),  # no pain answers to judge improvement by
    ],
)
def test_r20_repeated_escalations_without_improvement(
    escalations: int, history: dict[str, list[int]], expected: Outcome | None
) -> None:
    data = make_input(
        baseline_back=10,
        baseline_leg=4,
        serious_escalations_12_weeks=escalations,
        history=history,
    )
    assert outcome(rules.r20(data)) == expected


def test_r20_zero_baseline_cannot_measure_improvement() -> None:
    data = make_input(
        baseline_back=0, baseline_leg=0, serious_escalations_12_weeks=3, history={"back_pain": [5]}
    )
    assert rules.r20(data) is None


# --- R21–R23: free text and contact requests -----------------------------------------------------

R21 = ("R21", Severity.EMERGENCY, None, "esc_r21")


def test_help_is_r26_for_the_care_team_not_r21() -> None:
    """HELP gets messaging's safety reply; R26 asks the care team to follow up within 24 h."""
    assert rules.r21(make_input(help_keyword=True, text="HELP")) is None
    hit = rules.r26(make_input(help_keyword=True, text="HELP"))
    assert hit is not None
    assert (hit.rule, hit.severity, hit.message) == ("R26", Severity.H24, None)
    assert rules.r26(make_input(text="help me understand my exercises")) is None


@pytest.mark.parametrize(("flares", "fires"), [(0, False), (2, False), (3, True), (4, True)])
def test_r27_three_flare_ups_in_a_week_is_a_routine_review(flares: int, fires: bool) -> None:
    hit = rules.r27(flares_in_window=flares)

    if not fires:
        assert hit is None
        return
    assert hit is not None
    assert (hit.rule, hit.severity, hit.message, hit.clock) == ("R27", Severity.ROUTINE, None, None)
    assert f"{flares} flare-ups" in hit.reason


@pytest.mark.parametrize(
    "text",
    [
        "I can't pee",
        "I CAN’T PEE since this morning",  # curly apostrophe, capitals
        "cant pee",
        "I cannot urinate",
        "I'm numb down below",
        "I can't feel my legs",
        "I wet myself",
        "my legs keep giving way",
        "no puedo orinar",
        "No siento las piernas",
        "no siento mis piernas",
        "me oriné",
        "necesito una ambulancia",
    ],
)
def test_r21_emergency_phrases_fire(text: str) -> None:
    assert outcome(rules.r21(make_input(text=text))) == R21


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I can't sleep",
        # One numb leg that is not getting worse is R9's weekly question, not an emergency
        # phrase: the lexicon deliberately does not match it.
        "my leg is numb-ish",
        "my leg is numb",
        "can't  feel my leg",  # one leg: R9's question (24 h), not an emergency phrase
        "this is not an emergency",  # negated
        "no puedo dormir",
        # The whole-message HELP keyword is detected by messaging.keywords and passed in as
        # help_keyword; the word in free text is not in the lexicon.
        "help",
        "AYUDA",
    ],
)
def test_r21_other_text_does_not_fire(text: str) -> None:
    assert rules.r21(make_input(text=text)) is None


def test_r21_names_what_the_words_describe_for_the_clinician() -> None:
    hit = rules.r21(make_input(text="cant pee and my foot is dragging"))
    assert hit is not None
    assert "bladder or bowel" in hit.reason
    assert "weakness getting worse" in hit.reason


R22 = ("R22", Severity.EMERGENCY, None, "esc_r22")


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I want to die",
        "I’d be better off dead",
        "thinking of suicide",
        "I'm going to end my life",
        "quiero morir",
        "Quiero morirme",
        "quiero quitarme la vida",
        "pienso en matarme",
        "quiero hacerme daño",
        "no quiero vivir así",
        pytest.param(
            "I keep thinking about killing myself",
        ),
        pytest.param(
            "thoughts of hurting myself",
        ),
        pytest.param(
            "me quiero matar",
        ),
        pytest.param(
            "me voy a matar",
        ),
        pytest.param(
            "I wish I was dead",
        ),
    ],
)
def test_r22_self_harm_phrases_fire(text: str) -> None:
    assert outcome(rules.r22(make_input(text=text))) == R22


@pytest.mark.parametrize(
    "text",
    [
        "",
        # Checked against the lexicon: the figure of speech does not fire.
        "this pain is killing me",
        "I'm dying to get back to work",
        "me muero de dolor",
        "I can't pee",
        "I hurt myself lifting a box",  # an injury, not self-harm
        "I don't want to die from this",  # a fear, negated
    ],
)
def test_r22_other_text_does_not_fire(text: str) -> None:
    assert rules.r22(make_input(text=text)) is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(True, ("R23", Severity.H72, None, "esc_r23")), (False, None), (None, None)],
)
def test_r23_needs_contact(answer: bool | None, expected: Outcome | None) -> None:
    assert outcome(rules.r23(make_input(current={"needs_contact": answer}))) == expected


# --- patient_message ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        ([hit("R5", Severity.H24), hit("R1", Severity.EMERGENCY)], "R1"),
        ([hit("R1", Severity.EMERGENCY), hit("R5", Severity.H24)], "R1"),
        ([hit("R21", Severity.SAME_DAY), hit("R2", Severity.EMERGENCY)], "R2"),
        ([hit("R23", Severity.H72), hit("R7", Severity.H24)], "R7"),
        ([hit("R1", Severity.EMERGENCY), hit("R3", Severity.EMERGENCY)], "R3"),
        ([hit("R3", Severity.EMERGENCY), hit("R1", Severity.EMERGENCY)], "R3"),
        ([hit("R3", Severity.EMERGENCY), hit("R22", Severity.EMERGENCY)], "R22"),
        ([hit("R15", Severity.ROUTINE)], "R15"),
    ],
)
def test_patient_message_most_severe_then_most_specific(hits: list[Hit], expected: str) -> None:
    chosen = rules.patient_message(hits)
    assert chosen is not None
    assert chosen.rule == expected


def test_patient_message_ignores_hits_without_a_message() -> None:
    clinician_only = Hit("R13", Severity.EMERGENCY, "reason")  # severity made up to outrank
    chosen = rules.patient_message([clinician_only, hit("R15", Severity.ROUTINE)])
    assert chosen is not None
    assert chosen.rule == "R15"
    assert rules.patient_message([clinician_only, Hit("R19", Severity.ROUTINE, "r")]) is None
    assert rules.patient_message([]) is None


def test_patient_message_from_evaluated_rules_with_cancer_history() -> None:
    data = make_input(flags={"cancer_history": True}, current={"ces_symptoms": True})
    hits = rules.evaluate(data, rules.ANSWER_RULES)
    assert {h.rule for h in hits} == {"R1", "R3"}
    chosen = rules.patient_message(hits)
    assert chosen is not None
    assert chosen.message == "esc_r3"


# --- due_at and clock_deadline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "start", "due"),
    [
        (Severity.EMERGENCY, NOW, NOW + timedelta(hours=1)),
        (Severity.SAME_DAY, NOW, NOW + timedelta(hours=4)),
        (Severity.H24, NOW, NOW + timedelta(hours=24)),
        (Severity.H72, NOW, NOW + timedelta(hours=72)),  # hours, weekend included
        # routine: 5 working days, the weekend skipped, time of day kept
        (
            Severity.ROUTINE,
            datetime(2025, 3, 14, 10, 0, tzinfo=UTC),  # Friday
            datetime(2025, 3, 21, 10, 0, tzinfo=UTC),
        ),
        (
            Severity.ROUTINE,
            datetime(2025, 3, 12, 10, 0, tzinfo=UTC),  # Wednesday
            datetime(2025, 3, 19, 10, 0, tzinfo=UTC),
        ),
        (
            Severity.ROUTINE,
            datetime(2025, 3, 15, 10, 0, tzinfo=UTC),  # Saturday
            datetime(2025, 3, 21, 10, 0, tzinfo=UTC),
        ),
        (
            Severity.ROUTINE,
            datetime(2025, 3, 16, 23, 30, tzinfo=UTC),  # Sunday
            datetime(2025, 3, 21, 23, 30, tzinfo=UTC),
        ),
        (
            Severity.ROUTINE,
            datetime(2025, 3, 17, 9, 0, tzinfo=UTC),  # Monday
            datetime(2025, 3, 24, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_due_at(severity: Severity, start: datetime, due: datetime) -> None:
    assert rules.due_at(severity, start) == due


@pytest.mark.parametrize(
    ("clock", "onset", "presentation", "deadline"),
    [
        (Clock.TWO_WEEKS, None, date(2025, 3, 12), date(2025, 3, 26)),
        (Clock.TWO_WEEKS, date(2024, 1, 1), date(2025, 3, 12), date(2025, 3, 26)),
        (Clock.TWO_WEEKS, None, date(2025, 12, 25), date(2026, 1, 8)),
        (Clock.THREE_MONTHS, date(2025, 1, 15), date(2025, 3, 12), date(2025, 4, 15)),
        (Clock.THREE_MONTHS, None, date(2025, 1, 15), date(2025, 4, 15)),
        (Clock.THREE_MONTHS, date(2024, 11, 30), date(2025, 1, 5), date(2025, 2, 28)),
        (Clock.THREE_MONTHS, date(2023, 11, 30), date(2024, 1, 5), date(2024, 2, 29)),
        (Clock.THREE_MONTHS, None, date(2024, 11, 30), date(2025, 2, 28)),
        (Clock.THREE_MONTHS, date(2025, 1, 31), date(2025, 2, 1), date(2025, 4, 30)),
        (Clock.THREE_MONTHS, date(2024, 12, 31), date(2025, 1, 2), date(2025, 3, 31)),
        (Clock.THREE_MONTHS, date(2025, 10, 15), date(2025, 11, 1), date(2026, 1, 15)),
    ],
)
def test_clock_deadline(
    clock: Clock, onset: date | None, presentation: date, deadline: date
) -> None:
    assert rules.clock_deadline(clock, onset_date=onset, presentation_date=presentation) == deadline


def test_every_rule_has_a_plain_meaning_for_the_escalation_page() -> None:
    # The rules catalogue: a function rN per rule of CLINICAL.md's table, R1–R26, and R27
    # (repeated flare-ups; proposed for CLINICAL.md).
    catalogue = {name.upper() for name in vars(rules) if re.fullmatch(r"r\d+", name)}

    assert catalogue == {f"R{n}" for n in range(1, 28)}
    assert set(rules.RULE_MEANINGS) == catalogue
    assert all(meaning.strip().endswith(".") for meaning in rules.RULE_MEANINGS.values())
    assert set(rules.RULE_QUESTIONS) <= catalogue


def test_a_red_flag_reason_names_no_question_key() -> None:
    hit = rules.r25(question="ces_symptoms", unsure=True)

    assert "ces_symptoms" not in hit.reason
