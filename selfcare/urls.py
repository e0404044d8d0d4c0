from django.contrib import admin
from django.urls import include, path

from accounts.forms import StaffLoginForm
from messaging import views as messaging_views
from selfcare import views
from selfcare.admin_site import SelfCareAdminSite

# Staff sign in with a password and a TOTP code; unverified staff are treated as not staff.
# The index is the clinicians' dashboard (selfcare/admin_site.py).
admin.site.__class__ = SelfCareAdminSite
admin.site.login_form = StaffLoginForm
admin.site.site_header = "SelfCare"
# The queue and the record need the width; the home page lists every section anyway.
admin.site.enable_nav_sidebar = False
admin.site.site_title = "SelfCare"
admin.site.index_title = "Clinician workspace"

handler404 = "selfcare.views.not_found"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("selfcare.api_urls")),
    path("hooks/twilio/sms/", messaging_views.twilio_sms, name="twilio-sms"),
    path("hooks/twilio/status/", messaging_views.twilio_status, name="twilio-status"),
    path("dev/phone/", messaging_views.dev_phone, name="dev-phone"),
    path("", include("patients.urls")),
]
