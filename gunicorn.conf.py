"""Gunicorn settings for SelfCare's web process (see docs/DEPLOYMENT.md)."""

import multiprocessing
import os

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Twilio waits 15 s for a webhook; a request still running after 20 s is stuck.
timeout = 20
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle workers now and then, with jitter so they don't all go at once
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# No query strings (sign-in tokens travel in one) and no referrers in the access log: %(U)s is
# the path alone, as the client sent it (still percent-encoded: see AccessLogger).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class AccessLogger(glogging.Logger):
    """Gunicorn's logger, with the path logged as sent, not decoded: a decoded `%0a` would
    start a forged log line. Anything unprintable left is escaped."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        raw_path = environ.get("RAW_URI", "").split("?", 1)[0]
        atoms["U"] = "".join(
            c if c.isascii() and c.isprintable() else f"\\x{ord(c):02x}" for c in raw_path
        )
        return atoms


logger_class = AccessLogger
