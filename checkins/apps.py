from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins"

    def ready(self) -> None:
        from checkins import texts  # noqa: F401  (registers the SMS texts)
