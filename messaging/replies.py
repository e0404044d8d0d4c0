"""How messaging hands a patient's text to the flow that answers it.

messaging may not import the apps above it, so the flow (`care`) registers itself here in its
`AppConfig.ready()`. There is no default and no setting: without a registration the system
check fails, the web process refuses to start, and a text is never silently left unanswered.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Clinician
from messaging.keywords import Keyword
from messaging.models import Message

# Answer a patient's text (its keyword, already handled by messaging, or None): the replies.
Answer = Callable[[Message, Keyword | None], Iterable[Message]]
# Must this text be answered in the webhook's request (safety words, an open check-in)?
IsUrgent = Callable[[Message], bool]
# Answer a text from a clinician's registered phone ("ACK 1234"): the replies to them.
StaffAnswer = Callable[[Message, Clinician], Iterable[Message]]


@dataclass(frozen=True)
class ReplyHandling:
    answer: Answer
    is_urgent: IsUrgent
    staff: StaffAnswer


_registered: ReplyHandling | None = None


def register(*, answer: Answer, is_urgent: IsUrgent, staff: StaffAnswer) -> None:
    global _registered
    _registered = ReplyHandling(answer=answer, is_urgent=is_urgent, staff=staff)


def registered() -> ReplyHandling:
    if _registered is None:
        raise ImproperlyConfigured(
            "No SMS reply handler is registered: the 'care' app must be in INSTALLED_APPS."
        )
    return _registered


def check_registered(**kwargs: object) -> list[checks.CheckMessage]:
    if _registered is None:
        return [
            checks.Error(
                "No SMS reply handler is registered: patients' texts would go unanswered.",
                hint="Add 'care' to INSTALLED_APPS (it registers the handler when it is ready).",
                id="messaging.E001",
            )
        ]
    return []
