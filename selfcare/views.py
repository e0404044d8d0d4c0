"""Operational endpoints that belong to no app."""

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from selfcare.celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not answering"
        logger.warning("healthz: database check failed: %s", type(error).__name__)
        return {"status": "error", "error": type(error).__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _check_broker() -> dict[str, Any]:
    transport = settings.CELERY_BROKER_URL.split(":", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.REDIS_TIMEOUT)
    except (
        Exception
    ) as error:  # report, don't fail: the webhook stores; the drain and sweep catch up
        logger.warning("healthz: broker check failed: %s", type(error).__name__)
        return {"status": "error", "transport": transport, "error": type(error).__name__}
    return {"status": "ok", "transport": transport}


def _check_cache() -> dict[str, Any]:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        cache.set("healthz", "ok", timeout=5)
        answered = cache.get("healthz") == "ok"
    except Exception as error:  # rate limits and pacing degrade, but the service answers
        logger.warning("healthz: cache check failed: %s", type(error).__name__)
        return {"status": "error", "backend": backend, "error": type(error).__name__}
    return {"status": "ok" if answered else "error", "backend": backend}


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404s of the API are JSON, like the rest of it; other pages keep Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def _may_see_details(request: HttpRequest) -> bool:
    """Signed-in, verified staff, or a monitor sending `Authorization: Bearer <HEALTHZ_TOKEN>`."""
    user = request.user
    if user.is_authenticated and user.is_staff and user.is_verified():  # type: ignore[attr-defined]
        return True
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(settings.HEALTHZ_TOKEN) and constant_time_compare(sent, settings.HEALTHZ_TOKEN)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (503 otherwise). The public learns only that (`ok` or
    `error`); staff and monitors with HEALTHZ_TOKEN see each dependency and `degraded`."""
    # The broker and the cache are asked at once, so a hung one costs one timeout, not two.
    with ThreadPoolExecutor(max_workers=2) as pool:
        broker, cache_check = pool.submit(_check_broker), pool.submit(_check_cache)
        checks = {
            "database": _check_database(),
            "broker": broker.result(),
            "cache": cache_check.result(),
        }
    healthy = checks["database"]["status"] == "ok"
    degraded = any(check["status"] != "ok" for check in checks.values())
    status = "ok" if not degraded else ("degraded" if healthy else "error")
    body: dict[str, Any] = {"status": "ok" if healthy else "error"}  # up or down, no more
    if _may_see_details(request):
        body = {"status": status, "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
