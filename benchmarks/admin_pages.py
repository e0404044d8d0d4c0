"""Pages with many escalations: queries and latency of the admin queue (all, "Mine", "My team")
and patient page, the escalation API, the chain's sweep, and the patient's own pages (with a
year of daily check-ins), with 100,000 escalations, against the same with 100 (the baseline,
side by side). The clinician is in a care team of four who share the patients; the open
escalations have been notified (step 0) and some are due for their next step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/selfcare_bench \\
    .venv/bin/python benchmarks/admin_pages.py --escalations 100000
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")
os.environ["LOG_LEVEL"] = "ERROR"  # the sweep's given-back claims warn
os.environ["CELERY_BROKER_URL"] = "memory://"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.services import patient_login_url  # noqa: E402
from checkins.models import Answer, Checkin  # noqa: E402
from escalations import sweeps  # noqa: E402
from escalations.models import Escalation, Notification  # noqa: E402

RUNS = 15


def measure(client: Client, url: str) -> tuple[int, float]:
    # Counted with a wrapper: CaptureQueriesContext's log is a deque of 9,000 and stops
    # growing after the bulk inserts.
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(times)


def measure_sweep() -> tuple[int, float]:
    """The chain's sweep as the tick runs it: queries and median ms (handing out nothing: the
    steps it finds due are given back, so every run finds the same)."""
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    def refused(escalation_id: int, step: int) -> None:
        raise ConnectionError("benchmark: the claim is given back")

    sweeps.notification_enqueue = refused
    with connection.execute_wrapper(count):
        sweeps.escalations_chain(now=timezone.now())
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        sweeps.escalations_chain(now=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(times)


def a_year_of_checkins(patient: Any) -> None:
    """365 completed daily check-ins with pain scores: the history the patient pages chart."""
    now = timezone.now()
    checkins = Checkin.objects.bulk_create(
        [
            Checkin(
                patient=patient,
                kind="full",
                status="completed",
                started_at=now - timedelta(days=day),
                expires_at=now - timedelta(days=day) + timedelta(hours=48),
                ended_at=now - timedelta(days=day) + timedelta(minutes=5),
            )
            for day in range(365, 0, -1)
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(
                checkin=checkin,
                patient=patient,
                question=question,
                value=(n * 7 + len(question)) % 11,
                raw="",
                answered_at=checkin.started_at + timedelta(minutes=5),
            )
            for n, checkin in enumerate(checkins)
            for question in ("back_pain", "leg_pain")
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--escalations", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_patient, accounts_clinician, accounts_historicalpatient, "
            "programs_historicalenrollment, messaging_message, accounts_auditevent CASCADE"
        )
    from accounts.models import CareTeam, Clinician
    from tests.conftest import staff_sign_in
    from tests.factories import make_clinician, make_patient

    clinician = make_clinician(username=f"bench-{os.getpid()}")
    team = CareTeam.objects.create(name=f"bench-{os.getpid()}")
    colleagues = [make_clinician(username=f"bench-{os.getpid()}-{i}") for i in range(3)]
    Clinician.objects.filter(pk__in=[clinician.pk, *(c.pk for c in colleagues)]).update(team=team)
    CareTeam.objects.filter(pk=team.pk).update(lead=colleagues[0], on_call=colleagues[1])
    owners = [clinician, *colleagues]
    patients = [make_patient(clinician=owners[i % 4]).patient for i in range(50)]
    a_year_of_checkins(patients[0])
    client = staff_sign_in(Client(), clinician.user)
    patient_client = Client()
    token = patient_login_url(patient=patients[0]).split("t=")[1]
    landing = patient_client.get(f"/me/login/?t={token}").content.decode()
    nonce = re.search(r'name="nonce" value="([^"]*)"', landing)
    assert nonce is not None
    signed_in = patient_client.post("/me/login/", {"t": token, "nonce": nonce.group(1)})
    assert signed_in.status_code == 302
    urls = {
        "dashboard": (client, "/admin/"),
        "queue": (client, "/admin/escalations/escalation/"),
        "queue, open only": (client, "/admin/escalations/escalation/?status__exact=open"),
        "queue, mine": (client, "/admin/escalations/escalation/?whose=mine"),
        "queue, my team": (client, "/admin/escalations/escalation/?whose=team"),
        "API: escalations": (client, "/api/v1/escalations/?status=open"),
        "patient page": (client, f"/admin/accounts/patient/{patients[0].pk}/change/"),
        "pre-visit summary": (client, f"/admin/accounts/patient/{patients[0].pk}/summary/"),
        "enroll form": (client, "/admin/accounts/patient/add/"),
        "patient: today": (patient_client, "/me/"),
        "patient: program": (patient_client, "/me/program/"),
        "patient: progress": (patient_client, "/me/progress/"),
    }

    def add(n: int, offset: int = 0) -> None:
        now = timezone.now()
        for start in range(0, n, 10_000):
            Escalation.objects.bulk_create(
                [
                    Escalation(
                        # Real rule ids; open only while (patient, rule) is unique, as the
                        # database requires; most of the history is resolved.
                        patient=patients[(offset + i) % len(patients)],
                        rule=f"R{1 + (offset + i) % 23}",
                        severity="routine",
                        status="open" if offset + i < 1150 else "resolved",
                        reason="benchmark",
                        due_at=now,
                        created_at=now,
                        # Open ones were notified; ten (the same ten at both sizes) are due for their next step.
                        chain_step=0 if offset + i < 1150 else None,
                        next_step_at=(
                            now - timedelta(minutes=1)
                            if offset + i < 100 and (offset + i) % 10 == 0
                            else now + timedelta(hours=1)
                            if offset + i < 1150
                            else None
                        ),
                    )
                    for i in range(start, min(n, start + 10_000))
                ]
            )
        # Each notified: an SMS and an email to the responsible clinician at step 0.
        open_ones = Escalation.objects.filter(chain_step=0, notifications__isnull=True)
        Notification.objects.bulk_create(
            [
                Notification(
                    escalation_id=pk, clinician_id=owner, step=0, channel=channel, sent_at=now
                )
                for pk, owner in open_ones.values_list("pk", "patient__clinician_id")
                for channel in ("sms", "email")
            ],
            batch_size=5_000,
        )

    add(100)
    one = Escalation.objects.filter(chain_step=0, patient=patients[0]).first()
    assert one is not None
    urls["escalation page"] = (client, f"/admin/escalations/escalation/{one.pk}/change/")
    urls["API: one escalation"] = (client, f"/api/v1/escalations/{one.pk}/")
    small = {name: measure(*where) for name, where in urls.items()}
    small["chain sweep (tick)"] = measure_sweep()
    add(args.escalations - 100, offset=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    large = {name: measure(*where) for name, where in urls.items()}
    large["chain sweep (tick)"] = measure_sweep()
    print(
        f"{'page':20} {'queries (100 / ' + str(args.escalations) + ')':>26} {'median ms (100 / ' + str(args.escalations) + ')':>30}"
    )
    for name in small:
        (q1, t1), (q2, t2) = small[name], large[name]
        print(f"{name:20} {q1:>12} / {q2:<12} {t1:>13.1f} / {t2:<8.1f} ({t2 / t1:.1f}x)")


if __name__ == "__main__":
    main()
