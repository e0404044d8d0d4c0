from django.apps import AppConfig


class CareConfig(AppConfig):
    """The flow across apps (no models): what happens when a patient answers or writes, the
    web check-in, the tick, the one Patient admin and the demo seed."""

    name = "care"
    verbose_name = "Care"
