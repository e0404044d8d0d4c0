"""Outbound benchmark: SMS handed to a local Twilio API mock by one worker, through the real
`twilio` client, unpaced and paced.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/selfcare_bench \\
    .venv/bin/python benchmarks/outbound.py --messages 1000 --paced-rate 10

The mock answers like Twilio's Messages.json (201, a new SID). "One worker" is message_send
called in a loop in one process, which is what a Celery worker process does per task.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")
os.environ["SMS_BACKEND"] = "tests.twilio_mock_backend.MockTwilioBackend"
os.environ["TWILIO_MOCK_URL"] = "http://127.0.0.1:8766"
os.environ["TWILIO_ACCOUNT_SID"] = "AC" + "0123456789abcdef" * 2
os.environ["TWILIO_AUTH_TOKEN"] = "benchmark-token"
os.environ["TWILIO_FROM_NUMBER"] = "+15005550006"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["CELERY_BROKER_URL"] = "memory://"  # tasks published nowhere: this loop is the worker

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from messaging.models import Priority, SenderPace  # noqa: E402
from messaging.outbox import message_queue, message_send  # noqa: E402

MOCK_PORT = 8766
received = 0


class TwilioMock(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        global received
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received += 1
        body = json.dumps(
            {
                "sid": "SM" + uuid.uuid4().hex,
                "status": "queued",
                "num_segments": "1",
                "date_created": "Wed, 25 Nov 2026 12:00:00 +0000",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def queue(n: int) -> list[int]:
    from tests.factories import make_clinician, make_patient

    clinician = make_clinician(username=f"bench-{uuid.uuid4().hex[:6]}")
    patients = [make_patient(clinician=clinician).patient for _ in range(min(n, 200))]
    return [
        message_queue(
            patient=patients[i % len(patients)], text="opt_out_intent", priority=Priority.REPLY
        ).pk
        for i in range(n)
    ]


def run(ids: list[int]) -> float:
    started = time.perf_counter()
    for message_id in ids:
        outcome = message_send(message_id=message_id)
        if outcome.status != "queued":
            raise RuntimeError(f"message {message_id}: {outcome.status}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--paced-rate", type=float, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a database of its own: start empty
        cursor.execute(
            "TRUNCATE accounts_patient, accounts_clinician, accounts_historicalpatient, "
            "programs_historicalenrollment, messaging_message, messaging_senderpace CASCADE"
        )
    server = ThreadingHTTPServer(("127.0.0.1", MOCK_PORT), TwilioMock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_RATE_PER_SECOND = 0
        ids = queue(args.messages)
        elapsed = run(ids)
        print(
            f"unpaced: {len(ids)} messages in {elapsed:.2f} s = {len(ids) / elapsed:.0f}/s "
            f"(target >= 100/s); mock received {received}"
        )
        settings.SMS_RATE_PER_SECOND = args.paced_rate
        SenderPace.objects.all().delete()
        paced = queue(int(args.paced_rate * 5))
        elapsed = run(paced)
        rate = (len(paced) - 1) / elapsed  # n sends are n - 1 intervals
        print(
            f"paced at {args.paced_rate}/s: {len(paced)} messages in {elapsed:.2f} s = "
            f"{rate:.2f}/s (target {args.paced_rate}/s)"
        )
    finally:
        server.shutdown()
        print(f"database: {connection.vendor}")


if __name__ == "__main__":
    main()
