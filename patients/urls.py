"""The patient pages, at the site's root: /me/…, /help/ and the sign-in landing."""

from django.urls import path

from patients.views import checkin, pages, schedule, sign_in

app_name = "patients"

urlpatterns = [
    path("me/link/", sign_in.link_request, name="link"),
    path("me/login/", sign_in.login_landing, name="login"),
    path("me/sign-out/", sign_in.sign_out, name="sign-out"),
    path("me/", pages.today, name="today"),
    path("me/program/", pages.timeline, name="program"),
    path("me/steps/<slug:slug>/", pages.step_page, name="step"),
    path("me/progress/", pages.progress, name="progress"),
    path("me/checkin/", checkin.web_checkin, name="checkin"),
    path("me/language/", pages.switch_language, name="language"),
    path("me/schedule/", schedule.own_schedule, name="schedule"),
    path("help/", pages.help_page, name="help"),
]
