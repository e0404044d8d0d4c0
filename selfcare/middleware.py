"""Wiring-level middleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

API_PREFIX = "/api/"


def api_no_store(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """API answers carry patients' data: no cache (browser, proxy) may keep them."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path.startswith(API_PREFIX):
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
