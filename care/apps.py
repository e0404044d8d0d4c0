from django.apps import AppConfig


class CareConfig(AppConfig):
    """The flow across apps (no models): what happens when a patient answers or writes, the
    web check-in, the tick, the one Patient admin and the demo seed."""

    name = "care"
    verbose_name = "Care"

    def ready(self) -> None:
        from care import replies as care_replies
        from messaging import replies

        replies.register(
            answer=care_replies.handle_sms_reply,
            is_urgent=care_replies.sms_reply_is_urgent,
            staff=care_replies.handle_staff_reply,
        )
