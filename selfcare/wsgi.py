import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")
application = get_wsgi_application()

# Refuse to serve if nothing answers patients' texts (raises ImproperlyConfigured).
from messaging.replies import registered  # noqa: E402 (needs the apps loaded above)

registered()
