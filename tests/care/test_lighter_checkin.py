"""The weekly check-in asks its non-emergency questions as one numbered list by SMS: each picked
item must escalate exactly as a "yes" to that question asked alone did, "0" as a "no" to each,
and an unreadable reply as each question left unanswered."""

from dataclasses import replace

import pytest
from django.test import Client

from accounts.models import Clinician, Patient
from benchmarks.checkin_burden import branches, questions_sent
from care.web_checkin import web_checkin_record
from checkins.catalogue import BY_KEY, CATALOGUE, AnswerType, Kind, next_question
from checkins.models import Answer, Checkin, Medicine
from checkins.services import checkin_start, checkins_sweep, patient_situation
from escalations.models import Escalation
from messaging.backends import locmem
from messaging.models import Message
from tests.care.test_safety import reply
from tests.factories import NO_FLAGS, make_patient

WELL = {"back_pain": "3", "leg_pain": "1"}
LISTS = [q.key for q in CATALOGUE if q.folds]
RED_FLAGS = {q.key for q in CATALOGUE if q.red_flag}

# What a "yes" to each folded question, asked alone, escalated (CLINICAL.md R3–R23), with the
# flags it needs to be asked or that change its severity. Follow-ups are answered "no".
FOLDED_YES = [
    ("fever_unwell", {}, {("R5", "24h")}),
    ("fever_unwell", {"immunosuppressed": True}, {("R5", "same_day")}),
    ("new_trauma", {}, {("R6", "routine")}),
    ("new_trauma", {"osteoporosis_or_steroids": True}, {("R6", "24h")}),
    ("weight_loss_night_pain", {}, {("R7", "24h")}),
    ("new_pain_site", {}, {("R15", "routine")}),
    ("needs_contact", {}, {("R23", "72h")}),
    ("new_numbness_one_leg", {}, {("R9", "24h")}),
    ("new_numbness_one_leg", {"cancer_history": True}, {("R3", "emergency"), ("R9", "24h")}),
    ("cancer_spine_pain", {"cancer_history": True}, {("R4", "24h")}),
    ("med_side_effect", {}, {("R17", "72h")}),
    ("med_missed_doses", {}, {("R17", "routine")}),
]


def _patient(clinician: Clinician, flags: dict[str, bool], *, medicine: bool) -> Patient:
    patient = make_patient(clinician=clinician, flags={**NO_FLAGS, **flags}).patient
    if medicine:
        Medicine.objects.create(patient=patient, kind="snri", recorded_by=clinician.user)
    return patient


def _open(patient: Patient) -> Checkin | None:
    return Checkin.objects.filter(patient=patient, status="open").first()


def _run_checkin(client: Client, patient: Patient, picks: dict[str, str]) -> list[str]:
    """A weekly SMS check-in answered as a well patient would, except that a list's reply is
    the numbers of the items in `picks` (or the reply given for the list's key itself); returns
    the questions asked."""
    checkin_start(patient=patient)
    asked: list[str] = []
    while (checkin := _open(patient)) is not None:
        key = checkin.pending_question
        asked.append(key)
        if key in picks:
            body = picks[key]
        elif BY_KEY[key].folds:
            chosen = [str(i) for i, item in enumerate(checkin.pending_items, 1) if item in picks]
            body = " ".join(chosen) or "0"
        elif key == "pain_sites":
            body = "1"  # the lower back, where the pain already was
        else:
            body = WELL.get(key, "0" if BY_KEY[key].choices else "2")
        reply(client, patient, body)
    return asked


def _escalations(patient: Patient) -> set[tuple[str, str]]:
    return {(e.rule, e.severity) for e in Escalation.objects.filter(patient=patient)}


@pytest.mark.parametrize(("key", "flags", "expected"), FOLDED_YES)
def test_picking_an_item_escalates_as_a_yes_to_its_question_did(
    client: Client, clinician: Clinician, key: str, flags: dict[str, bool], expected: set
) -> None:
    patient = _patient(clinician, flags, medicine=key.startswith("med_"))

    asked = _run_checkin(client, patient, {key: "pick"})

    assert key not in asked  # asked in its list, not on its own
    assert Answer.objects.get(patient=patient, question=key).value is True
    assert _escalations(patient) == expected


def _each_alone(patient: Patient, yes: str) -> dict[str, object]:
    """A well patient's answers to the weekly questions each asked on its own (as they were by
    SMS before the lists, and still are on the web), with "yes" to `yes`."""
    situation = patient_situation(patient=patient, kind=Kind.FULL)
    while (question := next_question(situation, lists=False)) is not None:
        if question.type == AnswerType.NUMBER:
            value: object = int(WELL[question.key])
        elif question.type == AnswerType.YES_NO:
            value = question.key == yes
        else:
            value = ["lower_back"] if question.key == "pain_sites" else []
        situation = replace(situation, answers={**situation.answers, question.key: value})
    return dict(situation.answers)


@pytest.mark.parametrize(("key", "flags", "expected"), FOLDED_YES)
def test_a_pick_escalates_exactly_as_yes_to_the_question_asked_alone(
    client: Client, clinician: Clinician, key: str, flags: dict[str, bool], expected: set
) -> None:
    medicine = key.startswith("med_")
    by_list, alone = (_patient(clinician, flags, medicine=medicine) for _ in range(2))
    _run_checkin(client, by_list, {key: "pick"})

    web_checkin_record(patient=alone, answers=_each_alone(alone, key))

    assert _escalations(by_list) == _escalations(alone) == expected


@pytest.mark.parametrize(("key", "flags", "expected"), FOLDED_YES)
def test_answering_0_to_the_lists_escalates_nothing(
    client: Client, clinician: Clinician, key: str, flags: dict[str, bool], expected: set
) -> None:
    patient = _patient(clinician, flags, medicine=key.startswith("med_"))

    _run_checkin(client, patient, {})

    assert Answer.objects.get(patient=patient, question=key).value is False
    assert _escalations(patient) == set()
    assert "Thank you" in locmem.outbox[-1].body


def test_each_list_shows_and_records_only_the_questions_that_apply(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {}, medicine=False)

    asked = _run_checkin(client, patient, {})

    assert asked.count("weekly_flags") == 1
    listed = Message.objects.get(patient=patient, template="q_weekly_flags").body
    assert "mid or upper back" not in listed  # cancer_spine_pain: no cancer history
    assert "medicine" not in listed  # no medicine recorded
    assert "leg pain that stops" not in listed  # leg pain 1
    assert "\n6 burning, tingling, electric shocks, numbness" in listed
    assert "\n7 new numbness or weakness in one leg" in listed
    assert not Answer.objects.filter(patient=patient, question="cancer_spine_pain").exists()
    # The nerve symptoms not picked: none of them, as "0" to their own question would be.
    assert "nerve_symptoms" not in asked
    assert Answer.objects.get(patient=patient, question="nerve_symptoms").value == []


def test_a_medicine_patients_list_carries_the_medicine_questions(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {"cancer_history": True}, medicine=True)

    asked = _run_checkin(client, patient, {"med_missed_doses": "pick"})

    assert asked.index("med_serious_side_effect") < asked.index("weekly_flags")
    listed = Message.objects.get(patient=patient, template="q_weekly_flags").body
    assert "\n9 side effects from a medicine" in listed
    assert "\n10 missing a medicine on 2 or more days" in listed
    assert Answer.objects.get(patient=patient, question="med_missed_doses").value is True
    assert Answer.objects.get(patient=patient, question="med_side_effect").value is False
    assert _escalations(patient) == {("R17", "routine")}


def test_picked_nerve_symptoms_are_asked_which_and_escalate_as_on_their_own(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {}, medicine=False)

    # Picked in the list (item 6), then asked which: "1 2 4".
    asked = _run_checkin(client, patient, {"nerve_symptoms": "1 2 4"})

    assert asked[asked.index("weekly_flags") + 1] == "nerve_symptoms"
    assert Answer.objects.get(patient=patient, question="weekly_flags").value == ["nerve_symptoms"]
    assert Answer.objects.get(patient=patient, question="nerve_symptoms").value == [
        "burning",
        "tingling",
        "numbness",
    ]
    assert _escalations(patient) == {("R14", "routine")}


@pytest.mark.parametrize(
    ("key", "follow_up"), [("new_trauma", "trauma_major"), ("new_pain_site", "pain_sites")]
)
def test_a_picked_item_still_gets_its_follow_up(
    client: Client, clinician: Clinician, key: str, follow_up: str
) -> None:
    patient = _patient(clinician, {}, medicine=False)

    asked = _run_checkin(client, patient, {key: "pick"})

    assert asked.index(follow_up) == asked.index("weekly_flags") + 1


def test_major_trauma_after_a_picked_fall_is_still_an_emergency(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {}, medicine=False)

    asked = _run_checkin(client, patient, {"new_trauma": "pick", "trauma_major": "1"})

    assert asked[-1] == "trauma_major"
    assert _escalations(patient) == {("R6", "emergency")}
    assert Checkin.objects.get(patient=patient).status == "interrupted"


def test_several_picks_are_each_a_yes_and_the_rest_each_a_no(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {}, medicine=True)

    _run_checkin(client, patient, {"fever_unwell": "pick", "needs_contact": "pick"})

    values = dict(Answer.objects.filter(patient=patient).values_list("question", "value"))
    assert values["fever_unwell"] is True
    assert values["needs_contact"] is True
    assert values["new_trauma"] is False
    assert values["weekly_flags"] == ["fever_unwell", "needs_contact"]
    assert _escalations(patient) == {("R5", "24h"), ("R23", "72h")}


@pytest.mark.parametrize("body", ["not sure", "maybe 2", "yes", "9", "1-3"])
def test_an_unreadable_reply_is_asked_again_then_each_question_left_unanswered_as_r24(
    client: Client, clinician: Clinician, body: str
) -> None:
    patient = _patient(clinician, {}, medicine=False)

    asked = _run_checkin(client, patient, {"weekly_flags": body})

    assert asked.count("weekly_flags") == 3  # asked, then re-asked twice
    assert Message.objects.filter(patient=patient, template="reprompt_choices").count() == 2
    for key in ("fever_unwell", "new_trauma", "weight_loss_night_pain", "needs_contact"):
        assert Answer.objects.get(patient=patient, question=key).value is None
    # As for each of these questions alone: not a red-flag question, so not R25 but a reply
    # for the care team to read (R24, within 24 h); and the check-in goes on.
    assert _escalations(patient) == {("R24", "24h")}
    assert Answer.objects.get(patient=patient, question="nerve_symptoms").value is None
    assert Checkin.objects.get(patient=patient).status == "completed"


def test_the_reply_is_read_against_the_list_as_sent(client: Client, clinician: Clinician) -> None:
    """A flag recorded while the list waits for its reply cannot renumber it."""
    patient = _patient(clinician, {}, medicine=False)
    checkin_start(patient=patient)
    for body in ("3", "1", "2", "2"):  # back, leg, ces, weakness
        reply(client, patient, body)
    checkin = _open(patient)
    assert checkin is not None
    assert checkin.pending_question == "weekly_flags"
    Patient.objects.filter(pk=patient.pk).update(cancer_history=True)

    # Read against the list as it is now, "8" would be the new flag's item, never shown.
    sent = reply(client, patient, "8")
    assert [text[:5] for text in sent] == ["Sorry"]  # only 7 items were sent: asked again
    assert not Answer.objects.filter(patient=patient, question="cancer_spine_pain").exists()

    reply(client, patient, "5")  # item 5 as sent: wants to hear from the care team

    assert Answer.objects.get(patient=patient, question="needs_contact").value is True
    # The new flag's question is still asked, on its own, before the check-in ends.
    assert _open(patient).pending_question == "cancer_spine_pain"


def test_the_reminder_repeats_the_list_as_sent(clinician: Clinician) -> None:
    import time_machine

    patient = _patient(clinician, {}, medicine=False)
    checkin = checkin_start(patient=patient)
    Checkin.objects.filter(pk=checkin.pk).update(
        pending_question="weekly_flags", pending_items=["fever_unwell", "needs_contact"]
    )

    with time_machine.travel(checkin.remind_at, tick=False):
        assert checkins_sweep()["reminded"] == 1

    reminder = Message.objects.filter(patient=patient).latest("pk").body
    assert reminder.startswith("Reminder: Since last week")
    assert "1 fever" in reminder
    assert "2 wanting to hear from your care team" in reminder


def test_red_flag_questions_are_still_each_asked_alone(
    client: Client, clinician: Clinician
) -> None:
    patient = _patient(clinician, {"cancer_history": True}, medicine=True)

    asked = _run_checkin(client, patient, {})

    assert set(asked) >= RED_FLAGS
    for key in RED_FLAGS:
        assert Message.objects.filter(patient=patient, template=f"q_{key}").count() == 1


def test_a_well_patients_weekly_check_in_is_lighter_on_every_branch() -> None:
    """The burden benchmark's walk (benchmarks/checkin_burden.py): at most 5 questions without
    a recorded medicine, 6 with one (its serious-effects question is a red flag, on its own);
    every red-flag question that applies is asked; the short check-in is unchanged."""
    for branch in branches(Kind.FULL):
        sent = questions_sent(branch.situation())
        assert len(sent) <= (6 if branch.has_medicine else 5), branch
        assert {"ces_symptoms", "weakness_worsening"} <= set(sent)
        assert ("med_serious_side_effect" in sent) == branch.has_medicine
    for branch in branches(Kind.SHORT):
        assert len(questions_sent(branch.situation())) <= 5
        assert not set(LISTS) & set(questions_sent(branch.situation()))


def test_the_web_form_still_asks_each_question_on_its_own() -> None:
    situation = next(b for b in branches(Kind.FULL) if b.has_medicine).situation()

    assert next_question(situation, lists=False) is not None
    answered: dict[str, object] = {"back_pain": 3, "leg_pain": 1}
    answered |= {"ces_symptoms": False, "weakness_worsening": False}
    assert next_question(replace(situation, answers=answered), lists=False).key == (
        "med_serious_side_effect"
    )
    answered["med_serious_side_effect"] = False
    assert next_question(replace(situation, answers=answered), lists=False).key == (
        "new_numbness_one_leg"
    )


def test_the_record_names_a_lists_picks_as_the_questions_they_answer(
    client: Client, clinician: Clinician
) -> None:
    from care.record import checkin_rows

    patient = _patient(clinician, {}, medicine=False)
    _run_checkin(client, patient, {"needs_contact": "pick"})

    [row] = checkin_rows(patient)
    lines = {line.question: line.answer for line in row.answers}

    assert lines["Since last week, have you had any of these?"] == (
        "Would you like to hear from your care team before your next visit?"
    )
    assert lines["Would you like to hear from your care team before your next visit?"] == "Yes"


@pytest.mark.parametrize(
    ("flags", "medicine", "texts"),
    [
        ({}, False, 6),
        ({"cancer_history": True, "immunosuppressed": True}, False, 6),
        ({}, True, 7),
        ({"cancer_history": True}, True, 7),
    ],
)
def test_a_well_patient_is_texted_six_times_in_a_weekly_check_in_seven_with_a_medicine(
    client: Client, clinician: Clinician, flags: dict[str, bool], medicine: bool, texts: int
) -> None:
    """Counted as the patient's phone would: every text sent, through the webhook, the
    closing one included; the patient's own replies are one fewer."""
    patient = _patient(clinician, flags, medicine=medicine)
    enrolled = Message.objects.filter(patient=patient).values_list("pk", flat=True)
    before = max(enrolled, default=0)  # the welcome texts

    asked = _run_checkin(client, patient, {})

    sent = Message.objects.outbound().filter(patient=patient, pk__gt=before)
    assert sent.count() == texts
    assert sent.order_by("pk").last().template.startswith("checkin_")  # the closing text
    assert Message.objects.inbound().filter(patient=patient).count() == len(asked) == texts - 1
    assert _escalations(patient) == set()
