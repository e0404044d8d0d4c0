from typing import Any

from accounts.models import Patient
from messaging.backends import locmem
from tests.messaging.helpers import conversation, text_in


def test_help_gets_the_safety_reply_in_the_same_request(client: Any, patient: Patient) -> None:
    response = text_in(client, sender=str(patient.phone), body="HELP")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert len(locmem.outbox) == 1
    assert "911" in locmem.outbox[0].body
    assert conversation().count() == 2
