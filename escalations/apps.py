from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Escalations"

    def ready(self) -> None:
        from escalations import texts  # noqa: F401  (registers the SMS texts)
