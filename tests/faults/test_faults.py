"""Faults a clinical SMS service must survive, each on a whole deployment (gunicorn, Celery
worker and beat, PostgreSQL, Redis, a Twilio mock): nothing lost, nothing sent twice.

The invariant checked after every fault: each outbound message the database says went out was
handed to Twilio exactly once, none was handed over that the database does not know, and
nothing is left waiting; each inbound message is stored once and handled.
"""

import json
import socket
import threading
import time
import urllib.request
import uuid
from contextlib import suppress

from tests.faults.harness import HEALTHZ_TOKEN, RETRIED, Deployment, wait_for

DONE = ("queued", "sent", "delivered")
NOT_SENT = ("suppressed", "cancelled", "expired")

SEED = """
from django.utils import timezone
from accounts.models import Patient
from checkins.services import checkin_start
from tests.factories import make_clinician, make_patient

# Local midday for everyone, so quiet hours hold nothing back whenever this runs.
offset = (12 - timezone.now().hour + 12) % 24 - 12
zone = "Etc/GMT" + ("-" if offset >= 0 else "+") + str(abs(offset))
clinician = make_clinician(username="faults")
phones = []
for i in range({patients}):
    patient = make_patient(clinician=clinician).patient
    Patient.objects.filter(pk=patient.pk).update(timezone=zone)
    if i < {checking_in}:
        checkin_start(patient=Patient.objects.get(pk=patient.pk))
    phones.append(str(patient.phone))
print(json.dumps(phones))
"""

QUEUE = """
from accounts.models import Patient
from messaging.models import Priority
from messaging.outbox import message_queue
patients = list(Patient.objects.order_by("pk"))
ids = [
    message_queue(patient=p, text="opt_out_intent", priority=Priority.REPLY).pk
    for p in (patients[i % len(patients)] for i in range({count}))
]
print(json.dumps(ids))
"""


def seed(stack: Deployment, patients: int, *, checking_in: int = 0) -> list[str]:
    phones: list[str] = stack.django(SEED.format(patients=patients, checking_in=checking_in))
    return phones


def outbox_settled(stack: Deployment) -> bool:
    waiting = stack.query(
        "SELECT count(*) FROM messaging_message WHERE direction = 'out' "
        "AND status IN ('pending', 'submitting')"
    )[0][0]
    unprocessed = stack.query(
        "SELECT count(*) FROM messaging_message WHERE direction = 'in' AND processed_at IS NULL"
    )[0][0]
    return waiting == 0 and unprocessed == 0


def assert_each_message_sent_once(stack: Deployment) -> int:
    """The invariant; returns how many messages went out."""
    handed = stack.twilio.count_by_message()
    twice = {message_id: n for message_id, n in handed.items() if n > 1}
    assert not twice, f"handed to Twilio more than once: {twice}"
    rows = dict(stack.query("SELECT id, status FROM messaging_message WHERE direction = 'out'"))
    assert set(handed) <= set(rows), "Twilio got messages the database does not know"
    for message_id, status in rows.items():
        if status in DONE:
            assert handed[message_id] == 1, f"message {message_id} is {status} but never sent"
        else:
            assert status in NOT_SENT, f"message {message_id} left {status}"
            assert handed[message_id] == 0, f"message {message_id} is {status} but was sent"
    return sum(handed.values())


def assert_inbound_stored_once(stack: Deployment, sids: list[str]) -> None:
    stored = stack.query(
        "SELECT provider_sid, count(*), bool_and(processed_at IS NOT NULL) FROM messaging_message "
        "WHERE direction = 'in' GROUP BY provider_sid"
    )
    by_sid = {sid: (n, processed) for sid, n, processed in stored}
    assert set(by_sid) == set(sids), "inbound messages lost or unexpected"
    assert all(n == 1 and processed for n, processed in by_sid.values())


def assert_logs_name_no_one(stack: Deployment, phones: list[str], bodies: list[str]) -> None:
    """What the processes logged through the fault quotes no number and no message."""
    logs = stack.logs()
    assert [phone for phone in phones if phone in logs] == []
    assert [body for body in bodies if body in logs] == []


def test_a_worker_killed_in_the_middle_of_sends_loses_and_duplicates_nothing(
    stack: Deployment,
) -> None:
    seed(stack, 20)
    stack.twilio.delay = 0.03
    queued = stack.django(QUEUE.format(count=300))
    stack.start_web()  # receives the mock's status callbacks
    stack.start_worker("doomed")
    wait_for(lambda: len(stack.twilio.sent) >= 80, timeout=60, what="sends to be under way")

    stack.kill("doomed")
    time.sleep(1)  # the mock's callbacks for sends it had accepted
    left = dict(
        stack.query(
            "SELECT status, count(*) FROM messaging_message WHERE direction = 'out' GROUP BY 1"
        )
    )
    assert left.get("pending", 0) > 0, "the worker finished before it was killed"
    print(f"after the kill: {left}")

    stack.start_worker("replacement", beat=True)
    wait_for(lambda: outbox_settled(stack), timeout=120, what="the outbox to drain")

    total = assert_each_message_sent_once(stack)
    assert total >= len(queued)
    statuses = dict(stack.query("SELECT status, count(*) FROM messaging_message GROUP BY status"))
    assert statuses.get("failed", 0) == 0


def test_redis_down_for_30_seconds_while_texts_arrive(stack: Deployment) -> None:
    assert stack.redis is not None
    phones = seed(stack, 12, checking_in=6)
    stack.start_web()
    stack.start_worker("worker", beat=True)
    wait_for(lambda: outbox_settled(stack), timeout=60, what="first questions to go out")
    sids: list[str] = []
    statuses: list[int] = []
    slowest = 0.0

    stack.redis.stop()
    sent_at_outage = len(stack.twilio.sent)
    outage_ends = time.monotonic() + 30
    n = 0
    while time.monotonic() < outage_ends:
        # Patients 0-5 answer their open check-in, 6-11 text a remark; now and then HELP.
        phone = phones[n % len(phones)]
        body = "HELP" if n % 7 == 6 else ("3" if n % len(phones) < 6 else "a bit stiff today")
        sid = "SM" + uuid.uuid4().hex
        started = time.monotonic()
        statuses.append(stack.text_in(phone, body, sid=sid))
        slowest = max(slowest, time.monotonic() - started)
        sids.append(sid)
        n += 1
        time.sleep(0.5)
    answered_during_outage = len(stack.twilio.sent) - sent_at_outage
    stack.redis.start()

    print(
        f"slowest webhook with Redis down: {slowest:.2f} s; replies sent: {answered_during_outage}"
    )
    assert set(statuses) == {200}
    assert slowest < 5, f"a webhook took {slowest:.1f} s with Redis down (Twilio waits 15 s)"
    # Answers to open check-ins and HELP got their reply in the request, broker or not.
    assert answered_during_outage >= 6
    wait_for(lambda: outbox_settled(stack), timeout=120, what="the backlog after Redis returned")
    assert_inbound_stored_once(stack, sids)
    assert_each_message_sent_once(stack)
    assert_logs_name_no_one(stack, phones, ["a bit stiff"])


def test_postgresql_restarted_under_traffic(stack: Deployment) -> None:
    assert stack.postgres is not None
    phones = seed(stack, 10, checking_in=5)
    stack.twilio.delay = 0.02
    stack.start_web()
    stack.start_worker("worker", beat=True)
    wait_for(lambda: outbox_settled(stack), timeout=60, what="first questions to go out")
    stack.django(QUEUE.format(count=150))  # sends under way when the database goes
    sids: list[str] = []
    statuses: list[int] = []

    def texts() -> None:
        for n in range(60):
            sid = "SM" + uuid.uuid4().hex
            body = "4" if n % len(phones) < 5 else "ok today"
            statuses.append(stack.text_in(phones[n % len(phones)], body, sid=sid))
            sids.append(sid)
            time.sleep(0.1)

    traffic = threading.Thread(target=texts)
    traffic.start()
    time.sleep(1.5)
    stack.postgres.restart()
    traffic.join()

    # Requests during the restart failed and were retried, as Twilio retries them.
    assert set(statuses) == {200}
    print(f"deliveries retried during the restart: {dict(RETRIED)}")
    wait_for(lambda: outbox_settled(stack), timeout=120, what="the outbox after the restart")
    assert_inbound_stored_once(stack, sids)
    assert_each_message_sent_once(stack)
    assert stack.twilio.callbacks_failed == 0
    assert_logs_name_no_one(stack, phones, ["ok today"])  # errors and tracebacks included


def test_the_same_webhook_delivered_twice_and_concurrently(stack: Deployment) -> None:
    phone = seed(stack, 1)[0]
    stack.start_web()
    stack.start_worker("worker", beat=True)
    wait_for(lambda: outbox_settled(stack), timeout=60, what="the welcome to go out")
    sid = "SM" + uuid.uuid4().hex
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        barrier.wait()
        statuses.append(stack.text_in(phone, "HELP", sid=sid))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses += [stack.text_in(phone, "HELP", sid=sid) for _ in range(2)]

    assert statuses == [200] * 10
    wait_for(lambda: outbox_settled(stack), timeout=60, what="the reply")
    assert_inbound_stored_once(stack, [sid])
    assert_each_message_sent_once(stack)
    helps = stack.query("SELECT count(*) FROM messaging_message WHERE template = 'help'")
    assert helps == [(1,)]


def test_two_schedulers_at_once_start_each_checkin_once(stack: Deployment) -> None:
    seed(stack, 60)
    stack.start_web()
    stack.start_worker("worker")
    stack.django(
        """
from datetime import timedelta
from django.utils import timezone
from checkins.models import CheckinSlot
from checkins.services import slots_plan
slots_plan()
print(CheckinSlot.objects.update(due_at=timezone.now() - timedelta(minutes=1)))
"""
    )
    due = stack.query("SELECT count(*) FROM checkins_checkinslot WHERE status = 'due'")[0][0]
    assert due == 60

    schedulers = [
        threading.Thread(target=stack.manage, args=("send_due_checkins",)) for _ in range(2)
    ]
    for scheduler in schedulers:
        scheduler.start()
    for scheduler in schedulers:
        scheduler.join()

    wait_for(
        lambda: stack.query("SELECT count(*) FROM checkins_checkin")[0][0] >= 60,
        timeout=60,
        what="check-ins to start",
    )
    wait_for(lambda: outbox_settled(stack), timeout=60, what="first questions to go out")
    per_patient = stack.query("SELECT patient_id, count(*) FROM checkins_checkin GROUP BY 1")
    assert len(per_patient) == 60
    assert {n for _, n in per_patient} == {1}
    slots = dict(stack.query("SELECT status, count(*) FROM checkins_checkinslot GROUP BY 1"))
    assert slots.get("started") == 60
    assert_each_message_sent_once(stack)
    questions = stack.query(
        "SELECT patient_id, count(*) FROM messaging_message "
        "WHERE direction = 'out' AND template LIKE 'q_%%' GROUP BY 1"
    )
    assert len(questions) == 60
    assert {n for _, n in questions} == {1}


class HungServer:
    """A TCP server that accepts every connection and never answers: a Redis that hangs."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        with suppress(OSError):
            while True:
                connection, _ = self.socket.accept()
                self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


def test_a_redis_that_accepts_and_never_answers_hangs_no_request(stack: Deployment) -> None:
    phones = seed(stack, 2, checking_in=1)
    hung = HungServer()
    try:
        stack.extra_env.update(
            {
                "CELERY_BROKER_URL": f"redis://127.0.0.1:{hung.port}/0",
                "CACHE_URL": f"redis://127.0.0.1:{hung.port}/1",
            }
        )
        stack.start_web()  # and no worker: it could not reach the broker either
        before = len(stack.twilio.sent)

        started = time.monotonic()
        status = stack.text_in(phones[1], "I just want to end my life", sid="SM" + uuid.uuid4().hex)
        took = time.monotonic() - started
        started = time.monotonic()
        asked = urllib.request.Request(  # noqa: S310
            f"{stack.base}/healthz", headers={"Authorization": f"Bearer {HEALTHZ_TOKEN}"}
        )
        with urllib.request.urlopen(asked, timeout=10) as response:  # noqa: S310
            health = json.loads(response.read())
        health_took = time.monotonic() - started
    finally:
        hung.close()

    print(f"hung Redis: red-flag webhook {took:.2f} s, /healthz {health_took:.2f} s")
    assert status == 200
    assert took < 5, f"the red-flag webhook took {took:.1f} s with Redis hung"
    # The crisis advice went to the SMS provider in the request, without the broker.
    advice = [sent for sent in stack.twilio.sent[before:] if "988" in sent.body]
    assert advice, stack.twilio.sent[before:]
    assert health_took < 2, f"/healthz took {health_took:.1f} s"
    assert health["checks"]["broker"]["status"] == "error"
    assert health["checks"]["cache"]["status"] == "error"
    assert health["checks"]["database"]["status"] == "ok"


CHAIN_SEED = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import CareTeam, Clinician
from escalations.models import Escalation
from tests.factories import make_clinician, make_patient

team = CareTeam.objects.create(name="nights")
responsible, on_call, lead = (
    make_clinician(username=f"chain-{{r}}") for r in ("resp", "oncall", "lead")
)
Clinician.objects.filter(pk__in=[responsible.pk, on_call.pk, lead.pk]).update(team=team)
CareTeam.objects.filter(pk=team.pk).update(on_call=on_call, lead=lead)
now = timezone.now()
for i in range({count}):
    patient = make_patient(clinician=responsible).patient
    # Step 0 went out 16 minutes ago and nobody acknowledged: step 1 (on call, lead) is due.
    Escalation.objects.create(
        patient=patient, rule="R1", severity="emergency", reason="ces",
        due_at=now + timedelta(hours=1), chain_step=0,
        last_notified_at=now - timedelta(minutes=16), next_step_at=now - timedelta(minutes=1),
    )
print(json.dumps([str(on_call.phone), str(lead.phone)]))
"""

HAND_OUT = """
from datetime import timedelta
from django.utils import timezone
from escalations.sweeps import escalations_chain
print(json.dumps(escalations_chain(now=timezone.now() + timedelta(seconds={later}))))
"""


def test_a_worker_killed_mid_chain_loses_and_repeats_no_step(stack: Deployment) -> None:
    count = 120
    phones = stack.django(CHAIN_SEED.format(count=count))
    stack.twilio.delay = 0.03  # the alerts' sends share the worker with the chain's steps
    stack.start_web()
    stack.start_worker("doomed")
    assert stack.django(HAND_OUT.format(later=0)) == count  # the tick hands out step 1

    def stepped() -> int:
        return stack.query("SELECT count(*) FROM escalations_escalation WHERE chain_step = 1")[0][0]

    wait_for(lambda: stepped() >= 10, timeout=60, what="the chain's steps to be under way")
    stack.kill("doomed")
    done_before = stepped()
    assert done_before < count, "the worker finished before it was killed"
    print(f"steps done at the kill: {done_before} of {count}")

    stack.start_worker("replacement", beat=True)  # beat: the outbox sweep resends lost sends
    # The next ticks: the claims of the steps that were lost run out, and they are handed out
    # again (as the tick would CHAIN_CLAIM later); steps already sent are not.
    assert stack.django(HAND_OUT.format(later=0)) == 0
    assert stack.django(HAND_OUT.format(later=125)) == count - done_before
    wait_for(lambda: stepped() == count, timeout=120, what="every step 1 to be sent")
    wait_for(lambda: outbox_settled(stack), timeout=120, what="the alerts to go out")

    per_escalation = stack.query(
        "SELECT escalation_id, count(*), min(step), max(step) FROM escalations_notification "
        "WHERE channel = 'sms' AND step = 1 GROUP BY 1"
    )
    assert len(per_escalation) == count
    assert {(n, low, high) for _, n, low, high in per_escalation} == {(2, 1, 1)}  # on call, lead
    alerts = stack.query(
        "SELECT phone, count(*) FROM messaging_message WHERE is_staff_alert GROUP BY 1"
    )
    assert dict(alerts) == {phones[0]: count, phones[1]: count}
    assert_each_message_sent_once(stack)
