"""Scheduler benchmark: claim and enqueue N due check-ins; queries per inbound answer.

Run against PostgreSQL and Redis (a database of its own: everything in it is deleted):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/selfcare_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
    .venv/bin/python benchmarks/scheduler.py --patients 100000

Side by side with a baseline doing the least the same job needs (one UPDATE claiming every
row, one pipelined LPUSH per message to Redis), so the ratio survives a noisy machine.
"""

import argparse
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")
os.environ.setdefault("SMS_BACKEND", "locmem")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "benchmark-token")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Patient, PatientFlag  # noqa: E402
from accounts.services import clinician_create  # noqa: E402
from care.tasks import START_BATCH, slots_start_task  # noqa: E402
from checkins.models import Checkin, CheckinSlot  # noqa: E402
from checkins.services import checkin_start, slots_claim  # noqa: E402
from programs.models import Enrollment, Program  # noqa: E402
from selfcare.celery import app  # noqa: E402

BATCH = 5000


def reset() -> None:
    """Migrate, then empty every patient table (the tier programs and the group stay)."""
    from accounts.models import User

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_patient, accounts_clinician, accounts_historicalpatient, "
            "programs_historicalenrollment, messaging_message, messaging_senderpace CASCADE"
        )
    User.objects.filter(username="bench").delete()


def populate(n: int) -> None:
    clinician = clinician_create(
        username="bench", email="bench@example.org", password="bench-password-1"
    )
    program = Program.objects.get(tier="low", is_active=True)
    now = timezone.now()
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    first_name="Bench",
                    last_name=str(start + i),
                    phone=f"+1202{start + i:07d}",
                    timezone="America/Chicago",
                    language="en",
                    clinician=clinician,
                    pain_sites=["lower_back"],
                    baseline_back_pain=5,
                    baseline_leg_pain=2,
                    presentation_date=now.date(),
                    created_by=clinician.user,
                    sms_consent="active",
                    **dict.fromkeys(PatientFlag.values, False),
                )
                for i in range(size)
            ]
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    patient=p, program=program, started_on=now.date(), enrolled_by=clinician.user
                )
                for p in patients
            ]
        )
        CheckinSlot.objects.bulk_create(
            [
                CheckinSlot(
                    patient=p, kind="full", local_date=now.date(), due_at=now - timedelta(minutes=1)
                )
                for p in patients
            ]
        )


def ours() -> tuple[int, float, float]:
    """SelfCare's tick path: claim in batches, enqueue a start task per slot."""
    tracemalloc.start()
    started = time.perf_counter()
    total = 0
    while claimed := slots_claim():
        for first in range(0, len(claimed), START_BATCH):
            slots_start_task.delay(claimed[first : first + START_BATCH])
        total += len(claimed)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return total, elapsed, peak / 2**20


def baseline() -> tuple[int, float]:
    """The least the job needs: one UPDATE claiming every due row, raw pipelined LPUSHes of
    the same batches of ids."""
    import redis

    client = redis.Redis.from_url(app.conf.broker_url)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE checkins_checkinslot SET status = 'claimed', claimed_at = now() "
            "WHERE status = 'due' AND due_at <= now() RETURNING id"
        )
        ids = [row[0] for row in cursor.fetchall()]
    pipe = client.pipeline(transaction=False)
    for first in range(0, len(ids), START_BATCH):
        batch = ids[first : first + START_BATCH]
        pipe.lpush("baseline-queue", f'{{"task": "care.slots_start", "args": [{batch}]}}')
    pipe.execute()
    elapsed = time.perf_counter() - started
    client.delete("baseline-queue")
    return len(ids), elapsed


def queries_per_answer(history: int) -> int:
    """Queries to process one SMS answer for a patient with `history` earlier check-ins."""
    from django.http import QueryDict

    from checkins.models import Answer
    from messaging.views import receive_sms

    patient = Patient.objects.order_by("pk").first()
    assert patient is not None
    past = timezone.now() - timedelta(days=history + 1)
    old = [
        Checkin(
            patient=patient,
            kind="full",
            status="completed",
            started_at=past + timedelta(days=d),
            expires_at=past + timedelta(days=d, hours=48),
        )
        for d in range(history)
    ]
    created = Checkin.objects.bulk_create(old)
    Answer.objects.bulk_create(
        [
            Answer(checkin=c, patient=patient, question=q, value=3)
            for c in created
            for q in ("back_pain", "leg_pain")
        ]
    )
    Checkin.objects.filter(patient=patient, status="open").update(status="expired")
    checkin_start(patient=patient)
    params = QueryDict(mutable=True)
    params.update({"MessageSid": f"SMbench{history}", "From": str(patient.phone), "Body": "4"})
    with CaptureQueriesContext(connection) as captured:
        receive_sms(params)
    Checkin.objects.filter(patient=patient, status="open").update(status="completed")
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not app.conf.broker_url.startswith("redis"):
        sys.exit("run against PostgreSQL and Redis: see the docstring")

    reset()
    populate(args.patients)
    base_n, base_s = baseline()
    reset()
    t0 = time.perf_counter()
    populate(args.patients)
    print(f"set-up of {args.patients} patients: {time.perf_counter() - t0:.1f} s", flush=True)
    n, ours_s, peak_mb = ours()
    app.control.purge()
    assert n == base_n == args.patients, (n, base_n)
    print(
        f"claimed and enqueued {n} check-ins: selfcare {ours_s:.1f} s ({n / ours_s:.0f}/s), "
        f"baseline {base_s:.1f} s, ratio {ours_s / base_s:.1f}x; "
        f"peak traced memory {peak_mb:.1f} MiB"
    )
    for history in (10, 300):
        queries = queries_per_answer(history)
        print(f"queries per inbound answer with {history} past check-ins: {queries}")


if __name__ == "__main__":
    main()
