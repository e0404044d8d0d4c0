"""Admin pages with many escalations: queries and latency of the queue and the patient page
with 100,000 escalations, against the same pages with 100 (the baseline, side by side).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/selfcare_bench \\
    .venv/bin/python benchmarks/admin_pages.py --escalations 100000
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["CELERY_BROKER_URL"] = "memory://"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from escalations.models import Escalation  # noqa: E402

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
    from tests.conftest import staff_sign_in
    from tests.factories import make_clinician, make_patient

    clinician = make_clinician(username=f"bench-{os.getpid()}")
    patients = [make_patient(clinician=clinician).patient for _ in range(50)]
    client = staff_sign_in(Client(), clinician.user)
    urls = {
        "queue": "/admin/escalations/escalation/",
        "queue, open only": "/admin/escalations/escalation/?status__exact=open",
        "patient page": f"/admin/accounts/patient/{patients[0].pk}/change/",
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
                    )
                    for i in range(start, min(n, start + 10_000))
                ]
            )

    add(100)
    small = {name: measure(client, url) for name, url in urls.items()}
    add(args.escalations - 100, offset=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    large = {name: measure(client, url) for name, url in urls.items()}
    print(
        f"{'page':18} {'queries (100 / ' + str(args.escalations) + ')':>26} {'median ms (100 / ' + str(args.escalations) + ')':>30}"
    )
    for name in urls:
        (q1, t1), (q2, t2) = small[name], large[name]
        print(f"{name:18} {q1:>12} / {q2:<12} {t1:>13.1f} / {t2:<8.1f} ({t2 / t1:.1f}x)")


if __name__ == "__main__":
    main()
