"""A whole SelfCare deployment in processes of its own, to break on purpose.

Private servers (a PostgreSQL cluster in a temporary folder, a Redis server on a free port) so
a test can stop and restart them without touching the machine's own; gunicorn and Celery as the
Procfile runs them; and a Twilio API mock that records every message handed to it and posts
status callbacks back, signed, as Twilio does (retrying them, as Twilio's connection overrides
do). Inbound SMS are posted like Twilio posts them, retried on failure within Twilio's 15 s.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from twilio.request_validator import RequestValidator

from tests.messaging.helpers import inbound_params

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fault-test-auth-token"
HEALTHZ_TOKEN = "fault-test-healthz-token"
ACCOUNT = "AC" + "fa" * 16


def _postgres_bin() -> Path:
    """Where initdb and pg_ctl are: on PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    if found := shutil.which("pg_ctl"):
        return Path(found).resolve().parent  # Debian links it from its versioned folder
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    return debian[-1].parent if debian else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _postgres_bin()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def missing_tools() -> list[str]:
    needed = [shutil.which("redis-server") or "redis-server", str(PG_BIN / "pg_ctl")]
    return [tool for tool in needed if not Path(tool).exists()]


# --- servers ------------------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis to start")

    def stop(self) -> None:
        """Like the server dying: what it held in memory (queued tasks) is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class PrivatePostgres:
    """A cluster of our own. initdb refuses root, so as root it runs as the postgres user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="selfcare-faults-pg-"))
        self.data = self.dir / "data"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if result.returncode:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.dir / "server.log"),
            "start",
        )

    def restart(self) -> None:
        """Fast shutdown (open connections are cut) and start again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def destroy(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


# --- the Twilio mock -----------------------------------------------------------------------------


@dataclass
class Sent:
    message_id: int
    to: str
    body: str


@dataclass
class TwilioMock:
    """Twilio's Messages.json: 201 and a new SID for every POST, then status callbacks."""

    delay: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    callbacks_failed: int = 0

    @property
    def base(self) -> str:
        port = self.server.server_address[1] if self.server is not None else 9  # not started
        return f"http://127.0.0.1:{port}"

    def start(self) -> None:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                callback = form.get("StatusCallback", [""])[0]
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)
                message_id = int(query.get("m", ["0"])[0])
                sid = "SM" + uuid.uuid4().hex
                time.sleep(mock.delay)
                mock.sent.append(Sent(message_id, form["To"][0], form["Body"][0]))
                # Accepted: it goes out, and its callbacks come, even if the caller is gone
                # before it reads this answer.
                if callback:
                    threading.Thread(
                        target=mock._status_callback, args=(callback, sid), daemon=True
                    ).start()
                body = json.dumps(
                    {"sid": sid, "status": "queued", "num_segments": "1", "error_code": None}
                ).encode()
                try:
                    self.send_response(201)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _status_callback(self, url: str, sid: str) -> None:
        time.sleep(0.2)
        params = {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": ACCOUNT}
        if post_as_twilio(url, params, retries=5) != 200:
            self.callbacks_failed += 1

    def count_by_message(self) -> Counter[int]:
        return Counter(s.message_id for s in self.sent)


RETRIED: Counter[str] = Counter()  # failed deliveries that were tried again, by path


def post_as_twilio(url: str, params: dict[str, str], *, retries: int = 5) -> int:
    """POST signed form data; retry failures (connection or 5xx) up to `retries` times within
    about 15 s, as Twilio does with `#rc=5&rp=all`. Returns the last HTTP status (0: no answer)."""
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    data = urllib.parse.urlencode(params).encode()
    status = 0
    for attempt in range(retries + 1):
        headers = {"X-Twilio-Signature": signature}
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        if status and status < 500:
            return status
        RETRIED[urllib.parse.urlsplit(url).path] += 1
        time.sleep(min(0.5 * 2**attempt, 4))
    return status


# --- the deployment ------------------------------------------------------------------------------


@dataclass
class Deployment:
    """gunicorn and Celery against private servers, as the Procfile runs them."""

    database_url: str
    broker_url: str
    twilio: TwilioMock
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    redis: PrivateRedis | None = None
    postgres: PrivatePostgres | None = None
    web_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "selfcare.settings",
            "DJANGO_DEBUG": "False",
            "DJANGO_SECRET_KEY": "fault-tests-" + "s" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "PUBLIC_BASE_URL": self.base,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url + "/0",
            "CACHE_URL": self.broker_url + "/1",
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "SMS_BACKEND": "tests.twilio_mock_backend.MockTwilioBackend",
            "TWILIO_MOCK_URL": self.twilio.base,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+15005550006",
            "SMS_RATE_PER_SECOND": "0",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "HEALTHZ_TOKEN": HEALTHZ_TOKEN,
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log, stderr=log, start_new_session=True
        )
        self.processes[name] = process
        return process

    def _python(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def manage(self, *args: str) -> str:
        return self._python("manage.py", *args)

    def django(self, code: str) -> Any:
        """Run Python with Django set up in a process of its own; return what it prints (JSON)."""
        printed = self._python("-c", "import django, json\ndjango.setup()\n" + code).strip()
        return json.loads(printed.splitlines()[-1]) if printed else None

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "3",
                "selfcare.wsgi:application",
            ],
        )
        wait_for(self._web_answers, timeout=30, what="gunicorn to answer")

    def _web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # answering, even if a dependency is down
        except OSError:
            return False

    def start_worker(self, name: str = "worker", *, beat: bool = False) -> None:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "selfcare",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}-{uuid.uuid4().hex[:6]}@%h",
        ]
        if beat:
            schedule = self.log_dir / f"{name}-beat-schedule"
            command += ["--beat", "--schedule", str(schedule)]
        self._spawn(name, command)

    def kill(self, name: str) -> None:
        """SIGKILL a process and its children at once: no clean shutdown, no acks."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            with suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            # Whatever of the group outlived its leader (a pool child, embedded beat) goes too.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def text_in(self, sender: str, body: str, *, sid: str | None = None) -> int:
        params = inbound_params(sender=sender, body=body, sid=sid, AccountSid=ACCOUNT)
        return post_as_twilio(f"{self.base}/hooks/twilio/sms/", params)

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, args).fetchall()  # type: ignore[arg-type]

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("*.log")))


@contextmanager
def deployment(**kwargs: Any) -> Iterator[Deployment]:
    deployed = Deployment(**kwargs)
    try:
        yield deployed
    finally:
        deployed.stop_all()
