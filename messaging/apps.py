from django.apps import AppConfig
from django.core import checks


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "SMS"

    def ready(self) -> None:
        from messaging.replies import check_registered

        checks.register(check_registered)
