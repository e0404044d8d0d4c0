"""End to end through the signed webhook: nobody with a red flag waits."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Clinician, Patient
from checkins.catalogue import BY_KEY
from checkins.models import Answer, Checkin
from checkins.services import checkin_start, checkins_sweep
from escalations.models import Escalation
from messaging.backends import locmem
from messaging.models import Message
from tests.factories import make_patient
from tests.messaging.helpers import drain_inbound, new_sid, text_in


def reply(client: Client, patient: Patient, body: str, *, sid: str | None = None) -> list[str]:
    """Text SelfCare as the patient; return the bodies sent back in that same request."""
    before = len(locmem.outbox)
    response = text_in(client, sender=str(patient.phone), body=body, sid=sid)
    assert response.status_code == 200
    return [m.body for m in locmem.outbox[before:] if m.to == str(patient.phone)]


def answer_until(client: Client, patient: Patient, question: str, answers: dict[str, str]) -> None:
    """Answer the open check-in's questions until `question` is the one pending ("no", or none
    of a numbered list's items, unless `answers` says otherwise)."""
    checkin = Checkin.objects.filter(patient=patient, status="open").first()
    if checkin is None:  # already ended: nothing is pending
        assert not question, f"the check-in ended before {question} was asked"
        return
    while checkin.pending_question != question:
        assert checkin.status == "open", f"the check-in ended before {question} was asked"
        none = "0" if BY_KEY[checkin.pending_question].folds else "2"
        reply(client, patient, answers.get(checkin.pending_question, none))
        checkin.refresh_from_db()


def pick(client: Client, patient: Patient, *questions: str) -> list[str]:
    """Reply to the pending numbered list with the numbers of these questions' items."""
    items = Checkin.objects.get(patient=patient, status="open").pending_items
    return reply(client, patient, " ".join(str(items.index(q) + 1) for q in questions))


@pytest.fixture
def checking_in(patient: Patient) -> Checkin:
    checkin = checkin_start(patient=patient)
    locmem.outbox.clear()
    return checkin


def test_a_full_check_in_goes_question_by_question_and_ends_with_thanks_and_the_week(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    assert checking_in.pending_question == "back_pain"
    assert "leg or nerve pain" in reply(client, patient, "4")[0]
    asked = ["back_pain"]
    checkin = Checkin.objects.get(pk=checking_in.pk)
    while checkin.status == "open":
        asked.append(checkin.pending_question)
        none = "0" if BY_KEY[checkin.pending_question].folds else "2"
        answer = {"leg_pain": "2"}.get(checkin.pending_question, none)
        sent = reply(client, patient, answer)
        checkin.refresh_from_db()
        assert len(sent) == 1  # one message per reply: the next question, or the end
    assert asked[:5] == [
        "back_pain",
        "leg_pain",
        "ces_symptoms",
        "weakness_worsening",
        "weekly_flags",
    ]
    listed = Answer.objects.filter(question="new_numbness_one_leg")
    assert listed.get().value is False  # in the list, as weakness_worsening was "no"
    assert "leg_pain_disabling" not in asked  # leg pain 2 < 4
    assert "trauma_major" not in asked  # no new trauma
    assert not Answer.objects.filter(question="cancer_spine_pain").exists()  # no cancer history
    assert checkin.status == "completed"
    assert locmem.outbox[-1].body == (  # the week's summary: baseline 5 and 2 (tests.factories)
        "Thank you, that is your check-in done. Your back pain averaged 4 this week, down from 5 "
        "when you started. Leg pain averaged 2, the same as when you started. If new numbness "
        "between your legs, bladder or bowel changes, or weaker legs start, go to the emergency "
        "department."
    )
    assert not Escalation.objects.exists()


def test_ces_yes_gets_emergency_advice_in_the_same_request_and_notifies_the_clinician(
    client: Client,
    patient: Patient,
    clinician: Clinician,
    checking_in: Checkin,
    django_capture_on_commit_callbacks: Any,
) -> None:
    answer_until(client, patient, "ces_symptoms", {"back_pain": "6", "leg_pain": "5"})

    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(client, patient, "1")

    assert len(sent) == 1
    assert "emergency department now" in sent[0]
    assert "911" in sent[0]
    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.severity, escalation.status) == ("R1", "emergency", "open")
    assert (escalation.due_at - escalation.created_at).total_seconds() == 3600
    checking_in.refresh_from_db()
    assert checking_in.status == "interrupted"  # no more questions after emergency advice
    # The clinician: an SMS and an email with a link, and no patient details.
    alert = Message.objects.get(is_staff_alert=True)
    assert alert.phone == str(clinician.phone)
    assert f"/admin/escalations/escalation/{escalation.pk}/change/" in alert.body
    [email] = mail.outbox
    assert email.to == [clinician.email]
    for secret in (patient.first_name, patient.last_name, str(patient.phone)):
        assert secret not in alert.body
        assert secret not in email.body + email.subject


def test_a_duplicate_delivery_of_the_emergency_answer_changes_nothing(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    answer_until(client, patient, "ces_symptoms", {})
    sid = new_sid()
    reply(client, patient, "yes", sid=sid)
    outbox, evidence = len(locmem.outbox), Escalation.objects.get().evidence_count

    assert reply(client, patient, "yes", sid=sid) == []

    assert len(locmem.outbox) == outbox
    escalation = Escalation.objects.get()
    assert escalation.evidence_count == evidence
    assert Answer.objects.filter(question="ces_symptoms").count() == 1


def test_stop_mid_check_in_gets_nothing_more(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    reply(client, patient, "5")
    assert reply(client, patient, "STOP") == []

    counts = checkins_sweep()

    assert counts["cancelled"] == 1
    checking_in.refresh_from_db()
    assert checking_in.status == "cancelled"
    sent_before = len(locmem.outbox)
    reply(client, patient, "3")
    checkins_sweep()
    assert len(locmem.outbox) == sent_before


def test_an_unreadable_answer_is_asked_again_twice_then_left_unanswered(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    def reply_then_drain(body: str) -> list[str]:
        # No question could take these as answers: the drain re-asks, seconds later.
        assert reply(client, patient, body) == []
        before = len(locmem.outbox)
        drain_inbound()
        return [m.body for m in locmem.outbox[before:]]

    first = reply_then_drain("a lot")
    second = reply_then_drain("7 or 8")
    third = reply_then_drain("lots")

    assert 'one number from 0 (no pain) to 10 (worst), for example "4"' in first[0]
    assert "Was that 7 or 8?" in second[0]  # two scores offered: asked which, not guessed
    assert "leg" in third[0].lower()  # moved on to the next question
    answer = Answer.objects.get(question="back_pain")
    assert answer.value is None
    assert answer.raw == "lots"


@pytest.mark.parametrize(("text", "value"), [("7/10", 7), ("seven", 7), ("siete", 7), (" 7 ", 7)])
def test_tolerant_pain_answers(
    client: Client, patient: Patient, checking_in: Checkin, text: str, value: int
) -> None:
    reply(client, patient, text)

    assert Answer.objects.get(question="back_pain").value == value


def test_a_late_reply_is_kept_for_the_clinician_but_never_applied(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    Checkin.objects.filter(pk=checking_in.pk).update(status="expired")

    assert reply(client, patient, "9") == []
    newer = checkin_start(patient=patient)  # before a worker handles the reply
    drain_inbound()

    late = Answer.objects.get()
    assert (late.late, late.value, late.raw, late.question) == (True, None, "9", "back_pain")
    assert late.checkin == checking_in
    assert newer.pending_question == "back_pain"
    assert not newer.answers.exists()


def test_a_text_sent_before_a_checkin_began_is_not_taken_as_its_answer(
    patient: Patient,
) -> None:
    # A remark with no check-in open is handled by a worker; if the scheduler opens a check-in
    # before the worker gets to it, the remark must not answer the new question.
    from django.http import QueryDict

    from messaging.inbound import inbound_process, inbound_store

    params = QueryDict(mutable=True)
    params.update({"MessageSid": new_sid(), "From": str(patient.phone), "Body": "7"})
    remark, _ = inbound_store(params=params)
    checkin = checkin_start(patient=patient)
    Message.objects.filter(pk=remark.pk).update(
        created_at=checkin.started_at - timedelta(seconds=1)
    )

    inbound_process(message_id=remark.pk)

    checkin.refresh_from_db()
    assert not checkin.answers.exists()
    assert checkin.pending_question == "back_pain"
    remark.refresh_from_db()
    assert remark.processed_at is not None


def test_a_repeat_adds_evidence_to_the_open_escalation(client: Client, patient: Patient) -> None:
    for _ in range(2):
        checkin_start(patient=patient)
        answer_until(client, patient, "weekly_flags", {"back_pain": "3", "leg_pain": "1"})
        pick(client, patient, "needs_contact")
        answer_until(client, patient, "", {})  # to the end: nothing is pending once it is done

    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.severity, escalation.evidence_count) == ("R23", "72h", 2)
    assert escalation.evidence.count() == 2


def test_only_the_most_severe_message_is_sent_at_the_end(
    client: Client, patient: Patient, checking_in: Checkin
) -> None:
    answer_until(client, patient, "weekly_flags", {"back_pain": "3", "leg_pain": "1"})
    # The list is the last question: fever, R5 24h; wanting contact, R23 72h.
    sent = pick(client, patient, "fever_unwell", "needs_contact")

    assert len(sent) == 1
    assert "fever" in sent[0]
    assert {e.rule for e in Escalation.objects.all()} == {"R5", "R23"}


def test_help_runs_r26_and_gets_one_safety_reply(client: Client, patient: Patient) -> None:
    sent = reply(client, patient, "HELP")

    assert len(sent) == 1
    assert "emergency department" in sent[0]
    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.severity) == ("R26", "24h")


def test_self_harm_words_get_the_crisis_line_at_once(client: Client, patient: Patient) -> None:
    sent = reply(client, patient, "some days I want to die")

    assert len(sent) == 1
    assert "988" in sent[0]
    assert Escalation.objects.get().rule == "R22"


def test_cancer_history_makes_new_numbness_an_emergency(
    client: Client, clinician: Clinician
) -> None:
    patient = make_patient(
        clinician=clinician,
        flags={
            "cancer_history": True,
            "immunosuppressed": False,
            "iv_drug_use": False,
            "osteoporosis_or_steroids": False,
            "recent_infection_or_spinal_procedure": False,
        },
    ).patient
    checkin_start(patient=patient)
    answer_until(client, patient, "weekly_flags", {"back_pain": "3", "leg_pain": "3"})

    sent = pick(client, patient, "new_numbness_one_leg")

    assert "cancer" in sent[0]
    assert {(e.rule, e.severity) for e in Escalation.objects.all()} == {
        ("R3", "emergency"),
        ("R9", "24h"),
    }


def test_queries_per_answer_do_not_grow_with_history(client: Client, patient: Patient) -> None:
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    start = timezone.now()

    def queries_for_one_answer(day: int) -> int:
        # A day apart, as real check-ins are (so no auto-reply cap or pacing is involved).
        with time_machine.travel(start + timedelta(days=day), tick=False):
            checkin_start(patient=patient)
            with CaptureQueriesContext(connection) as captured:
                reply(client, patient, "4")
            Checkin.objects.filter(patient=patient, status="open").update(status="completed")
        return len(captured.captured_queries)

    queries_for_one_answer(0)  # warms per-process caches
    short_history = queries_for_one_answer(1)
    for day in range(2, 22):
        queries_for_one_answer(day)
    assert queries_for_one_answer(22) == short_history


def test_one_reminder_after_24_hours_and_expiry_after_48(
    patient: Patient, checking_in: Checkin
) -> None:
    import time_machine

    start = checking_in.started_at
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert checkins_sweep()["reminded"] == 0
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert checkins_sweep()["reminded"] == 1
        assert checkins_sweep()["reminded"] == 0  # once only
    reminder = Message.objects.filter(patient=patient, direction="out").order_by("-pk").first()
    assert reminder.body.startswith("Reminder:")
    with time_machine.travel(start + timedelta(hours=48, minutes=1), tick=False):
        assert checkins_sweep()["expired"] == 1
    checking_in.refresh_from_db()
    assert checking_in.status == "expired"


def test_the_clinician_sees_late_replies_in_the_admin(
    client: Client,
    patient: Patient,
    clinician: Clinician,
    checking_in: Checkin,
    admin_client_for: Any,
) -> None:
    Checkin.objects.filter(pk=checking_in.pk).update(status="expired")
    reply(client, patient, "8")

    page = admin_client_for(clinician).get(f"/admin/checkins/checkin/{checking_in.pk}/change/")

    assert page.status_code == 200
    assert "late replies are kept" in page.content.decode()
