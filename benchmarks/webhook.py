"""Webhook benchmark: SelfCare's inbound SMS webhook on gunicorn + PostgreSQL, side by side
with a bare Django view that validates the same form POST and inserts one row.

    createdb -h 127.0.0.1 -U postgres selfcare_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/selfcare_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
    .venv/bin/python benchmarks/webhook.py --seconds 10

Two measurements per endpoint, in alternating rounds: the most requests per second 8
concurrent clients get, with p50/p99 latency; and latency at a fixed 100 requests per second.
Signed requests, a new MessageSid each, from 200 enrolled patients with no check-in open,
alternating a remark in patients' words (the detector corpora's everyday texts) and a number
(the webhook stores them and leaves them to the drain, run between rounds by two processes and
timed).
"""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from itertools import count
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
TOKEN = "benchmark-auth-token"
BASE = f"http://127.0.0.1:{PORT}"
PATIENTS = 200


def _remarks() -> list[str]:
    """Patients' everyday texts (the negated and benign rows of the detector corpora): more of
    them than a worker's detector cache holds, so every text is read afresh."""
    import csv

    remarks = []
    for name in ("detector_corpus.tsv", "detector_holdout.tsv"):
        with (ROOT / "tests" / "escalations" / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["kind"] in ("benign", "negated"):
                    remarks.append(row["text"])
    return remarks


REMARKS = _remarks()
_sid = count()


def django_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "selfcare.settings",
        "DJANGO_DEBUG": "False",  # as in production
        "DJANGO_SECRET_KEY": "benchmark-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
        "SMS_BACKEND": "locmem",
        "LOG_LEVEL": "WARNING",
    }


def prepare() -> list[str]:
    """Migrate, create the bare view's table and 200 patients; return their numbers."""
    script = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, sid text UNIQUE, sender text, body text)")
    c.execute("TRUNCATE bench_bare, accounts_patient, accounts_clinician, accounts_historicalpatient, programs_historicalenrollment, messaging_message CASCADE")
from accounts.models import User
User.objects.filter(username="bench").delete()
from tests.factories import make_clinician, make_patient
clinician = make_clinician(username="bench")
for i in range({PATIENTS}):
    print(make_patient(clinician=clinician).patient.phone)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=django_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def start_gunicorn() -> subprocess.Popen[bytes]:
    env = {**django_env(), "DJANGO_SETTINGS_MODULE": "selfcare.settings"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        "4",
        "--access-logfile",
        "/dev/null",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        "benchmarks.bench_wsgi:application",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)  # noqa: S310
            return process
        except Exception:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def signed(path: str, phones: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    n = next(_sid)
    params = {
        "MessageSid": f"SMbench{os.getpid():x}{n:020d}",
        "AccountSid": "AC" + "0" * 32,
        "From": phones[n % len(phones)],
        "To": "+15005550006",
        # Half remarks, half numbers: a number could answer a question, so it costs the
        # webhook the lookup of an open check-in; a remark does not. Every text is read by the
        # free-text detectors.
        "Body": REMARKS[(n // 2) % len(REMARKS)] if n % 2 else "4",
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}{path}", params)
    return params, {"X-Twilio-Signature": signature}


async def one(
    session: aiohttp.ClientSession, path: str, phones: list[str], latencies: list[float]
) -> None:
    params, headers = signed(path, phones)
    started = time.perf_counter()
    async with session.post(f"{BASE}{path}", data=params, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
    latencies.append((time.perf_counter() - started) * 1000)


async def saturate(
    path: str, phones: list[str], seconds: float, clients: int = 8
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            await one(session, path, phones, latencies)

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def fixed_rate(path: str, phones: list[str], seconds: float, rate: float) -> list[float]:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        tasks = []
        started = time.perf_counter()
        for i in range(int(seconds * rate)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, path, phones, latencies)))
        await asyncio.gather(*tasks)
    return latencies


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drains", type=int, default=2, help="drains at once on the backlog")
    args = parser.parse_args()
    phones = prepare()
    server = start_gunicorn()
    endpoints = (("bare view", "/bench/bare/"), ("SelfCare webhook", "/hooks/twilio/sms/"))
    try:
        for _, path in endpoints:  # warm both
            asyncio.run(saturate(path, phones, 1))
        # Rounds alternate the two endpoints, so a noisy moment on the machine hits both.
        rows: dict[str, list[tuple[float, ...]]] = {label: [] for label, _ in endpoints}
        drains: list[str] = []
        for _ in range(args.rounds):
            for label, path in endpoints:
                rps, lat = asyncio.run(saturate(path, phones, args.seconds))
                time.sleep(1)
                paced = asyncio.run(fixed_rate(path, phones, args.seconds, 100))
                time.sleep(1)
                rows[label].append(
                    (rps, pct(lat, 50), pct(lat, 99), pct(paced, 50), pct(paced, 99))
                )
            # Between rounds the workers drain what the webhook left, as they would all along,
            # so every round starts from the same state.
            drains.append(drain(args.drains))
        print(
            f"{'round':5} {'endpoint':18} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
            f"| at 100 req/s: {'p50':>6} {'p99':>6}"
        )
        for label, results in rows.items():
            for n, (rps, p50, p99, q50, q99) in enumerate(results, 1):
                print(
                    f"{n:5} {label:18} {rps:7.0f} {p50:7.1f} {p99:7.1f} "
                    f"| {'':13} {q50:6.1f} {q99:6.1f}"
                )
        ratios = [
            ours[0] / bare[0]
            for ours, bare in zip(rows["SelfCare webhook"], rows["bare view"], strict=True)
        ]
        worst_p99 = max(r[4] for r in rows["SelfCare webhook"])
        print(
            f"SelfCare / bare throughput by round: {', '.join(f'{r:.2f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.2f}, target >= 0.5); "
            f"worst p99 at 100 req/s: {worst_p99:.1f} ms (target < 100 ms)"
        )
        print("\n".join(drains))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def drain(workers: int = 2) -> str:
    """The texts the webhook left for later, handled by `workers` drains at once, as worker
    processes run overlapping drain tasks on a backlog (they skip each other's patients)."""
    count = """
import django; django.setup()
from messaging.models import Message
print(Message.objects.inbound().filter(processed_at__isnull=True).count())
"""
    loop = """
import django; django.setup()
from messaging.inbound import inbound_drain
while inbound_drain():
    pass
"""

    def python(code: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code],
            env=django_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )

    waiting = int(python(count).communicate()[0])
    started = time.perf_counter()
    for process in [python(loop) for _ in range(workers)]:
        process.wait()
    elapsed = time.perf_counter() - started
    return (
        f"{workers} drains at once: {waiting} texts handled in {elapsed:.1f} s "
        f"= {waiting / elapsed:.0f}/s"
    )


if __name__ == "__main__":
    main()
