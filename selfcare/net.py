"""The client's address, for every per-address limit (django-axes, django-ratelimit).

Behind a TLS proxy `REMOTE_ADDR` is the proxy, so every client would share one limit. The real
address is read from `X-Forwarded-For` only when `TRUSTED_PROXIES` says how many proxies of
ours append to it: the client is then that many entries from the right (what a client writes
in the header itself lies further left and is ignored). With `TRUSTED_PROXIES=0`, the default,
the header is never read.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from ipware import get_client_ip


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a key, not a bind)
    proxies = settings.TRUSTED_PROXIES
    if proxies == 0:
        return remote
    # python-ipware counts the proxies *in* the header; ours append the address each one saw,
    # so the nearest (REMOTE_ADDR) is not in it: the client is the proxies-th from the right.
    address, _routable = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote


def keyed_digest(value: str) -> str:
    """A keyed hash of `value` (a phone number) for cache keys: the cache never holds the
    number, and without SECRET_KEY its keys cannot be matched to numbers by trying them all."""
    return salted_hmac("selfcare.cache-key", value, algorithm="sha256").hexdigest()
