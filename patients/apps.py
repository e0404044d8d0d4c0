from django.apps import AppConfig


class PatientsConfig(AppConfig):
    """The patient web pages (no models): /me/…, /help/ and the sign-in landing."""

    name = "patients"
    verbose_name = "Patient pages"
