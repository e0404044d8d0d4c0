"""WSGI application for the webhook benchmark: SelfCare plus the bare view."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")

from django.conf import settings

settings.ROOT_URLCONF = "benchmarks.bench_site"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
