"""The admin site: django-otp's (a password and a TOTP code) with the clinicians' dashboard on
its index.

`selfcare/urls.py` already swaps the default site's class (`admin.site.__class__`) so every
app's `admin.register` lands on one site; subclassing the class it swaps in is the least
invasive way to feed the index: no second site, no context processor running on every page.
"""

from typing import Any, cast

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django_otp.admin import OTPAdminSite

from accounts.models import User
from escalations.dashboard import dashboard_for


class SelfCareAdminSite(OTPAdminSite):
    index_template = "admin/dashboard.html"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = dict(extra_context or {})
        # Only for those who may open the queue the counts link to.
        if request.user.has_perm("escalations.view_escalation"):
            context["dashboard"] = dashboard_for(user=cast(User, request.user), now=timezone.now())
        return super().index(request, context)
