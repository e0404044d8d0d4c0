"""Escalation rules R1–R27 of CLINICAL.md (pure: no ORM, no I/O).

One module on purpose (about 500 lines): the rules are read side by side with CLINICAL.md's
table, in its order, and a clinician reviewing a threshold should find every rule here.

Every threshold is a default for the clinical lead to review and lives here, with its source
beside it (research/clinical-and-product-anchors.md). Each rule is a function of a RuleInput
that returns a Hit (rule, severity, clock, patient message) or None; `evaluate` runs them all.
The app escalates for human review: it never diagnoses and never advises on medicines.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from escalations import detectors
from selfcare.clock import local_today


class Severity(StrEnum):
    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    H24 = "24h"
    H72 = "72h"
    ROUTINE = "routine"


# How a clinician reads each severity (the queue, the dashboard).
SEVERITY_WORDS = {
    Severity.EMERGENCY: "Emergency",
    Severity.SAME_DAY: "Same day",
    Severity.H24: "Within 24 hours",
    Severity.H72: "Within 72 hours",
    Severity.ROUTINE: "Routine",
}


# What each rule means, one plain sentence from CLINICAL.md's table, for the clinician reading
# an escalation (its page in the admin). Keep it beside the rules: a rule added without a
# meaning fails tests/escalations/test_rules.py.
RULE_MEANINGS = {
    "R1": "New numbness between the legs, a bladder, bowel or sexual change, or symptoms in both "
    "legs (possible cauda equina): the patient was told to go to the emergency department now.",
    "R2": "Leg weakness getting worse (foot dragging, tripping, the leg giving way): the patient "
    "was told to go to the emergency department now.",
    "R3": "Nerve symptoms (bladder or saddle change, worsening weakness, new numbness in a leg) in "
    "a patient with a history of cancer: the patient was told they need emergency assessment "
    "today.",
    "R4": "New or unremitting spinal pain, or night pain, in a patient with a history of cancer: "
    "a clinician contacts them within 24 hours.",
    "R5": "Fever, shivers or feeling very unwell with the back pain: same day with an infection "
    "risk (immunosuppressed, IV drug use, recent infection or spinal procedure), else within 24 "
    "hours.",
    "R6": "A new fall or accident followed by new severe back pain: emergency after major trauma, "
    "within 24 hours with osteoporosis or long-term steroids, else routine.",
    "R7": "Unexplained weight loss or constant pain at night: a clinician reviews it within 24 "
    "hours.",
    "R8": "Leg pain that stops daily activities or sleep, or leg pain 7 or more twice running: "
    "review within 3 days, and the 2-week specialist referral clock has started.",
    "R9": "New numbness or weakness in one leg that is not getting worse: contact within 24 hours, "
    "and the 2-week specialist referral clock has started.",
    "R10": "Leg pain not settling 6 weeks after onset (still more than 70% of the starting level): "
    "review the plan; the 3-month specialist referral clock has started.",
    "R11": "Back or leg pain at least 2 points and 30% above the starting level on two check-ins "
    "running: review within 3 days.",
    "R12": "Back or leg pain 8 or more on two check-ins running: review the pain plan within 3 "
    "days.",
    "R13": "Two weeks since enrollment: re-screen the patient with STarT Back.",
    "R14": "Three or more nerve-pain symptoms, or a positive neuropathic screen: review for "
    "nerve-related pain.",
    "R15": "Pain in a new part of the body: review the new area.",
    "R16": "A possible serious medicine reaction: the patient was told to call the emergency "
    "number and not to take the next dose until advised.",
    "R17": "Medicine side effects (review within 3 days) or missed or stopped doses (routine): "
    "review the medicines.",
    "R18": "A new opioid or benzodiazepine, or a gabapentinoid for sciatica, was recorded: review "
    "it against the guideline.",
    "R19": "Three check-ins in a row went unanswered, or 7 days of silence: reach out to the "
    "patient.",
    "R20": "Three or more serious escalations in 12 weeks with less than 30% improvement: consider "
    "a specialist referral now.",
    "R21": "The patient's own words describe an emergency symptom (saddle numbness, bladder or "
    "bowel change, legs getting weaker, chest pain or breathlessness): they were told to go to "
    "the emergency department now.",
    "R22": "The patient's words suggest thoughts of suicide or self-harm: they were given the "
    "emergency number and the crisis line.",
    "R23": "The patient asked to hear from the care team before the next visit: contact them "
    "within 3 days.",
    "R24": "A message for the care team (a question, a remark, a worry), or a check-in reply the "
    "app could not read: read and answer within 24 hours.",
    "R25": 'A red-flag question answered "not sure" or left unreadable: the patient was told to '
    "go to the emergency department if they have these symptoms; contact them today.",
    "R26": "The patient texted HELP: they got the safety reply; follow up within 24 hours.",
    "R27": "Three or more flare-ups reported by SMS within 7 days: review the flare-up plan and "
    "how the patient is managing at the next review.",
}

# The check-in questions each rule reads: the escalation page shows these answers of the
# check-in that gave the evidence (a web check-in's evidence names only its first answer).
RULE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "R1": ("ces_symptoms",),
    "R2": ("weakness_worsening",),
    "R3": ("ces_symptoms", "weakness_worsening", "new_numbness_one_leg"),
    "R4": ("cancer_spine_pain",),
    "R5": ("fever_unwell",),
    "R6": ("new_trauma", "trauma_major"),
    "R7": ("weight_loss_night_pain",),
    "R8": ("leg_pain", "leg_pain_disabling"),
    "R9": ("new_numbness_one_leg",),
    "R10": ("leg_pain",),
    "R11": ("back_pain", "leg_pain"),
    "R12": ("back_pain", "leg_pain"),
    "R14": ("nerve_symptoms",),
    "R15": ("new_pain_site", "pain_sites"),
    "R16": ("med_serious_side_effect",),
    "R17": ("med_side_effect", "med_missed_doses"),
    "R20": ("back_pain", "leg_pain"),
    "R23": ("needs_contact",),
}


# Most severe first; used to pick the one message a patient gets.
SEVERITY_ORDER = [
    Severity.EMERGENCY,
    Severity.SAME_DAY,
    Severity.H24,
    Severity.H72,
    Severity.ROUTINE,
]

# Clinician due times (CLINICAL.md "Severity and due times").
DUE_WITHIN: dict[Severity, timedelta] = {
    Severity.EMERGENCY: timedelta(hours=1),
    Severity.SAME_DAY: timedelta(hours=4),
    Severity.H24: timedelta(hours=24),
    Severity.H72: timedelta(hours=72),
}
ROUTINE_WORKING_DAYS = 5


class Clock(StrEnum):
    TWO_WEEKS = "2w"  # specialist within 2 weeks of presentation_date
    THREE_MONTHS = "3m"  # specialist within 3 months of onset_date (presentation if unknown)


CLOCK_WORDS = {Clock.TWO_WEEKS: "2-week referral", Clock.THREE_MONTHS: "3-month referral"}


# Thresholds, with sources.
LEG_PAIN_SEVERE = 7  # R8: leg NRS ≥ 7 twice (anchors R8, NICE NG59 sciatica pathway)
PAIN_SEVERE = 8  # R12: any NRS ≥ 8 twice (Basch STAR: severe symptoms → 72 h action)
WORSENING_POINTS = 2  # R11: +2 points (Ostelo 2008 minimal important change)
WORSENING_RATIO = 1.3  # R11: and ≥ 130 % of baseline (Ostelo 2008: 30 %)
R10_MIN_BASELINE_LEG = 3  # R10: radicular pain present at baseline
R10_MIN_DAYS = 42  # R10: 6 weeks since onset
R10_NOT_SETTLING_RATIO = 0.7  # R10: mean of last two > 70 % of baseline (< 30 % better)
R13_DAYS = 14  # R13: STarT Back re-screen at 2 weeks (Hill 2011; BPS pathway)
R14_MIN_NERVE_SYMPTOMS = 3  # R14: three or more neuropathic descriptors (DN4-like)
R19_EXPIRED_IN_A_ROW = 3  # R19: three missed check-ins (Alliance PRO-CTCAE feasibility)
R19_SILENT_DAYS = 7
R20_MIN_ESCALATIONS = 3  # R20: three 72 h-or-worse alerts in 12 weeks
R20_WINDOW = timedelta(weeks=12)
# R27: flare-ups texted in a rolling week. No published threshold: a clinical judgement (issue
# 17) for the clinical lead to review. Flares are normal; three in a week is a plan not working.
R27_MIN_FLARES = 3
R27_WINDOW = timedelta(days=7)
# The pre-visit summary's responder: better by 30 % or 2 points on the 0–10 scale (Ostelo 2008
# minimal important change for back and leg pain).
RESPONDER_MIN_PERCENT = 30
RESPONDER_MIN_POINTS = 2
R20_MIN_IMPROVEMENT = RESPONDER_MIN_PERCENT / 100  # R20: < 30 % improvement from baseline
# How rules fire over time (CLINICAL.md): after a clinician resolves an escalation, the same
# rule opens a new one only when its condition holds again this long after the resolution;
# emergency rules at once, every time; R10 once per episode.
REARM_AFTER = timedelta(days=14)
ONCE_PER_EPISODE = frozenset({"R10"})


@dataclass(frozen=True)
class Hit:
    rule: str
    severity: Severity
    reason: str  # for the clinician
    clock: Clock | None = None
    message: str | None = None  # SMS text key for the patient, None for clinician-only rules


@dataclass(frozen=True)
class RuleInput:
    """What the rules look at. `history` holds each question's answered values, newest first,
    the current check-in's included."""

    now: datetime
    flags: Mapping[str, bool]
    enrolled_on: date  # the patient's local date of enrollment
    onset_date: date | None
    presentation_date: date
    baseline_back: int
    baseline_leg: int
    baseline_site_count: int
    current: Mapping[str, object] = field(default_factory=dict)
    history: Mapping[str, Sequence[object]] = field(default_factory=dict)
    site_count: int | None = None
    positive_neuropathic_screen: bool = False
    text: str = ""
    help_keyword: bool = False
    expired_in_a_row: int = 0
    last_heard_at: datetime | None = None
    serious_escalations_12_weeks: int = 0  # days with evidence at 72 h or more severe (R20)
    zone: tzinfo = UTC  # the patient's time zone: day counts are counted in their days

    @property
    def today(self) -> date:
        """The patient's local date at `now` (selfcare/clock.py)."""
        return local_today(self.now, self.zone)


def _yes(data: RuleInput, key: str) -> bool:
    return data.current.get(key) is True


def _last_two(data: RuleInput, key: str) -> list[int]:
    values = [
        v for v in data.history.get(key, ()) if isinstance(v, int) and not isinstance(v, bool)
    ]
    return values[:2]


def _twice(data: RuleInput, key: str, test: Callable[[int], bool]) -> bool:
    last = _last_two(data, key)
    return len(last) == 2 and all(test(v) for v in last)


def r1(data: RuleInput) -> Hit | None:
    if _yes(data, "ces_symptoms"):
        return Hit("R1", Severity.EMERGENCY, "Possible cauda equina symptoms.", message="esc_r1")
    return None


def r2(data: RuleInput) -> Hit | None:
    if _yes(data, "weakness_worsening"):
        return Hit("R2", Severity.EMERGENCY, "Worsening leg weakness.", message="esc_r2")
    return None


def r3(data: RuleInput) -> Hit | None:
    neuro = any(
        _yes(data, k) for k in ("ces_symptoms", "weakness_worsening", "new_numbness_one_leg")
    )
    if data.flags.get("cancer_history") and neuro:
        return Hit(
            "R3",
            Severity.EMERGENCY,
            "Neurological symptoms with a history of cancer.",
            message="esc_r3",
        )
    return None


def r4(data: RuleInput) -> Hit | None:
    if data.flags.get("cancer_history") and _yes(data, "cancer_spine_pain"):
        return Hit(
            "R4", Severity.H24, "Spinal pain pattern with a history of cancer.", message="esc_r4"
        )
    return None


def _says(data: RuleInput, rule: str) -> bool:
    """Whether the patient's own words (free text, or an answer's extra words) describe the
    symptoms of `rule`, not negated (escalations/detectors.py)."""
    return bool(data.text) and rule in detectors.fired(data.text)


def r5(data: RuleInput) -> Hit | None:
    if not (_yes(data, "fever_unwell") or _says(data, "R5")):
        return None
    at_risk = any(
        data.flags.get(f)
        for f in ("immunosuppressed", "iv_drug_use", "recent_infection_or_spinal_procedure")
    )
    if at_risk:
        return Hit(
            "R5",
            Severity.SAME_DAY,
            "Fever with back pain and an infection risk factor.",
            message="esc_r5_same_day",
        )
    return Hit("R5", Severity.H24, "Fever or feeling very unwell with back pain.", message="esc_r5")


def r6(data: RuleInput) -> Hit | None:
    if not (_yes(data, "new_trauma") or _says(data, "R6")):
        return None
    major_in_words = bool(data.text) and "major trauma" in detectors.mentioned(data.text)
    if _yes(data, "trauma_major") or major_in_words:
        return Hit(
            "R6",
            Severity.EMERGENCY,
            "Major trauma with new severe back pain.",
            message="esc_r6_major",
        )
    if data.flags.get("osteoporosis_or_steroids"):
        return Hit(
            "R6",
            Severity.H24,
            "New trauma with osteoporosis or long-term steroids.",
            message="esc_r6",
        )
    return Hit(
        "R6", Severity.ROUTINE, "Minor new trauma with new back pain.", message="esc_r6_routine"
    )


def r7(data: RuleInput) -> Hit | None:
    if _yes(data, "weight_loss_night_pain"):
        return Hit(
            "R7", Severity.H24, "Unexplained weight loss or constant night pain.", message="esc_r7"
        )
    return None


def r8(data: RuleInput) -> Hit | None:
    if _yes(data, "leg_pain_disabling") or _twice(data, "leg_pain", lambda v: v >= LEG_PAIN_SEVERE):
        return Hit(
            "R8",
            Severity.H72,
            "Severe or disabling leg pain.",
            clock=Clock.TWO_WEEKS,
            message="esc_r8",
        )
    return None


def r9(data: RuleInput) -> Hit | None:
    if _yes(data, "new_numbness_one_leg"):
        return Hit(
            "R9",
            Severity.H24,
            "New numbness or weakness in one leg.",
            clock=Clock.TWO_WEEKS,
            message="esc_r9",
        )
    return None


def r10(data: RuleInput) -> Hit | None:
    if data.baseline_leg < R10_MIN_BASELINE_LEG:
        return None
    # CLINICAL.md counts from onset; with onset unknown we count from presentation (as the 3m
    # clock does), which can only make the rule later, never earlier.
    start = data.onset_date or data.presentation_date
    if (data.today - start).days < R10_MIN_DAYS:
        return None
    last = _last_two(data, "leg_pain")
    if len(last) == 2 and sum(last) / 2 > R10_NOT_SETTLING_RATIO * data.baseline_leg:
        return Hit(
            "R10",
            Severity.ROUTINE,
            "Leg pain not settling after 6 weeks.",
            clock=Clock.THREE_MONTHS,
            message="esc_r10",
        )
    return None


def _worse(baseline: int) -> Callable[[int], bool]:
    return lambda v: v >= baseline + WORSENING_POINTS and v >= WORSENING_RATIO * baseline


def r11(data: RuleInput) -> Hit | None:
    if _twice(data, "back_pain", _worse(data.baseline_back)) or _twice(
        data, "leg_pain", _worse(data.baseline_leg)
    ):
        return Hit(
            "R11",
            Severity.H72,
            "Pain higher than at enrollment on two check-ins.",
            message="esc_r11",
        )
    return None


def r12(data: RuleInput) -> Hit | None:
    if any(_twice(data, key, lambda v: v >= PAIN_SEVERE) for key in ("back_pain", "leg_pain")):
        return Hit("R12", Severity.H72, "Pain 8 or more on two check-ins.", message="esc_r12")
    return None


def r13(data: RuleInput) -> Hit | None:
    if data.today >= data.enrolled_on + timedelta(days=R13_DAYS):
        return Hit(
            "R13", Severity.ROUTINE, "Two weeks since enrollment: re-screen with STarT Back."
        )
    return None


def r14(data: RuleInput) -> Hit | None:
    chosen = data.current.get("nerve_symptoms")
    many = isinstance(chosen, list) and len(chosen) >= R14_MIN_NERVE_SYMPTOMS
    if many or data.positive_neuropathic_screen:
        return Hit(
            "R14",
            Severity.ROUTINE,
            "Answers suggest nerve-related (neuropathic) pain.",
            message="esc_r14",
        )
    return None


def r15(data: RuleInput) -> Hit | None:
    grew = data.site_count is not None and data.site_count > data.baseline_site_count
    if _yes(data, "new_pain_site") or grew:
        return Hit("R15", Severity.ROUTINE, "Pain in a new part of the body.", message="esc_r15")
    return None


def r16(data: RuleInput) -> Hit | None:
    if _yes(data, "med_serious_side_effect") or _says(data, "R16"):
        return Hit(
            "R16", Severity.EMERGENCY, "Possible serious medicine reaction.", message="esc_r16"
        )
    return None


def r17(data: RuleInput) -> Hit | None:
    if _yes(data, "med_side_effect"):
        return Hit("R17", Severity.H72, "Medicine side effects reported.", message="esc_r17")
    if _yes(data, "med_missed_doses"):
        return Hit("R17", Severity.ROUTINE, "Missed or stopped medicine doses.", message="esc_r17")
    return None


def r19(data: RuleInput) -> Hit | None:
    silent = data.last_heard_at is not None and data.now - data.last_heard_at >= timedelta(
        days=R19_SILENT_DAYS
    )
    if data.expired_in_a_row >= R19_EXPIRED_IN_A_ROW or silent:
        return Hit("R19", Severity.ROUTINE, "No replies: outreach needed.")
    return None


def r20(data: RuleInput) -> Hit | None:
    if data.serious_escalations_12_weeks < R20_MIN_ESCALATIONS:
        return None
    baseline = max(data.baseline_back, data.baseline_leg)
    latest = [v[0] for v in (_last_two(data, "back_pain"), _last_two(data, "leg_pain")) if v]
    if baseline == 0 or not latest:
        return None
    if (baseline - max(latest)) / baseline < R20_MIN_IMPROVEMENT:
        return Hit(
            "R20",
            Severity.ROUTINE,
            "Repeated escalations without improvement: consider specialist referral now.",
        )
    return None


def r21(data: RuleInput) -> Hit | None:
    """R1/R2 symptoms (cauda equina, worsening weakness) or chest pain / breathlessness in the
    patient's own words, in any text."""
    if not data.text:
        return None
    families = sorted(
        {m.family for m in detectors.read(data.text) if m.rule == "R21" and not m.negated}
    )
    if not families:
        return None
    return Hit(
        "R21",
        Severity.EMERGENCY,
        f"Emergency symptoms in the patient's words: {', '.join(families)}.",
        message="esc_r21",
    )


def r22(data: RuleInput) -> Hit | None:
    if _says(data, "R22"):
        return Hit(
            "R22", Severity.EMERGENCY, "Text suggesting thoughts of self-harm.", message="esc_r22"
        )
    return None


def r26(data: RuleInput) -> Hit | None:
    """HELP / AYUDA / INFO: messaging has sent the safety reply; the care team follows up."""
    if data.help_keyword:
        return Hit("R26", Severity.H24, "The patient texted HELP.")
    return None


def r23(data: RuleInput) -> Hit | None:
    if _yes(data, "needs_contact"):
        return Hit("R23", Severity.H72, "Asked to hear from the care team.", message="esc_r23")
    return None


def r24(*, during_checkin: bool = False) -> Hit:
    """A message for the care team: a text that is not an answer, a keyword or another rule's
    trigger, or a check-in reply still unreadable after its re-prompts. The patient is told
    when it will be read (the handler sends that at most once a day), not during a check-in."""
    return Hit(
        "R24",
        Severity.H24,
        "A check-in reply the app could not read."
        if during_checkin
        else "A message for the care team.",
        message=None if during_checkin else "esc_r24",
    )


def r25(*, question: str, unsure: bool) -> Hit:
    """A red-flag question answered "not sure", or left unreadable after its re-prompts."""
    how = 'answered "not sure"' if unsure else "not readable after its re-prompts"
    text = "esc_r25_medicine" if question == "med_serious_side_effect" else "esc_r25"
    # The question's key stays out of the reason: a clinician reads the reason; the question
    # itself is on the evidence's answer, shown in words on the escalation page.
    return Hit("R25", Severity.SAME_DAY, f"A red-flag question {how}.", message=text)


def r27(*, flares_in_window: int) -> Hit | None:
    """Repeated flare-ups: `flares_in_window` texted in the last R27_WINDOW, this one included.
    Clinician-facing: the patient has just had the flare-up plan."""
    if flares_in_window >= R27_MIN_FLARES:
        return Hit(
            "R27",
            Severity.ROUTINE,
            f"{flares_in_window} flare-ups reported by SMS in 7 days.",
        )
    return None


def r18(*, medicine_class: str, for_sciatica: bool) -> Hit | None:
    """A clinician recorded a medicine (NICE NG59: not opioids for chronic low back pain or
    sciatica, nor benzodiazepines, nor gabapentinoids for sciatica)."""
    if medicine_class in ("opioid", "benzodiazepine") or (
        medicine_class == "gabapentinoid" and for_sciatica
    ):
        return Hit("R18", Severity.ROUTINE, f"New {medicine_class} recorded: guideline review.")
    return None


ANSWER_RULES = [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r14, r15, r16, r17, r20, r23]
# Every inbound text, answers included, is read by these (with the answer itself left out).
TEXT_RULES = [r21, r22, r5, r6, r16, r26]
# The others are called by name: R13 and R19 by the sweep, R18, R24, R25 and R27 where they
# arise.

# Among equally severe hits, the message a patient gets: the most specific first.
MESSAGE_PRECEDENCE = ["R22", "R3", "R1", "R2", "R21", "R16", "R6", "R5", "R4", "R9", "R7"]


def rearmed(hit: Hit, *, last_resolved_at: datetime | None, now: datetime) -> bool:
    """Whether `hit` may open a new escalation, given when the rule's last one was resolved
    (None: never)."""
    if hit.severity == Severity.EMERGENCY or last_resolved_at is None:
        return True
    if hit.rule in ONCE_PER_EPISODE:
        return False
    return now - last_resolved_at >= REARM_AFTER


def evaluate(data: RuleInput, rules: Sequence[Callable[[RuleInput], Hit | None]]) -> list[Hit]:
    return [hit for rule in rules if (hit := rule(data)) is not None]


def patient_message(hits: Sequence[Hit]) -> Hit | None:
    """The one hit whose message the patient gets: the most severe (CLINICAL.md)."""
    with_message = [hit for hit in hits if hit.message]
    if not with_message:
        return None

    def rank(hit: Hit) -> tuple[int, int]:
        precedence = (
            MESSAGE_PRECEDENCE.index(hit.rule)
            if hit.rule in MESSAGE_PRECEDENCE
            else len(MESSAGE_PRECEDENCE)
        )
        return SEVERITY_ORDER.index(hit.severity), precedence

    return min(with_message, key=rank)


def due_at(severity: Severity, start: datetime) -> datetime:
    """When the clinician is due to act: hours for urgent severities, working days for routine."""
    if severity in DUE_WITHIN:
        return start + DUE_WITHIN[severity]
    due, remaining = start, ROUTINE_WORKING_DAYS
    while remaining:
        due += timedelta(days=1)
        if due.weekday() < 5:  # Monday–Friday
            remaining -= 1
    return due


def clock_deadline(clock: Clock, *, onset_date: date | None, presentation_date: date) -> date:
    if clock == Clock.TWO_WEEKS:
        return presentation_date + timedelta(weeks=2)
    start = onset_date or presentation_date
    return _add_months(start, 3)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable
