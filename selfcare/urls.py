from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from accounts.forms import StaffLoginForm
from checkins import views as checkins_views
from escalations import views as escalations_views
from messaging import views as messaging_views
from programs import views as programs_views
from selfcare import views

# Staff sign in with a password and a TOTP code; unverified staff are treated as not staff.
admin.site.__class__ = OTPAdminSite
admin.site.login_form = StaffLoginForm
admin.site.site_header = "SelfCare"
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
    # Patient pages
    path("me/link/", programs_views.link_request, name="patient-link"),
    path("me/login/", programs_views.login_landing, name="patient-login"),
    path("me/sign-out/", programs_views.sign_out, name="patient-sign-out"),
    path("me/", checkins_views.today, name="patient-today"),
    path("me/program/", programs_views.timeline, name="patient-program"),
    path("me/steps/<slug:slug>/", programs_views.step_page, name="patient-step"),
    path("me/progress/", checkins_views.progress, name="patient-progress"),
    path("me/checkin/", escalations_views.web_checkin, name="patient-checkin"),
    path("me/language/", programs_views.switch_language, name="patient-language"),
    path("help/", programs_views.help_page, name="patient-help"),
]
