"""The check-in pages of the admin read in words: the question, not its key; the answer as
the patient meant it, not the stored value."""

from html import unescape
from typing import Any

from accounts.models import Clinician, Patient
from checkins.models import Checkin
from checkins.services import checkin_record_answers, checkin_start


def test_a_check_in_reads_in_words(
    admin_client_for: Any, clinician: Clinician, patient: Patient
) -> None:
    checkin = checkin_start(patient=patient, channel=Checkin.Channel.WEB)
    checkin_record_answers(checkin=checkin, answers={"back_pain": 7, "ces_symptoms": False})
    client = admin_client_for(clinician)

    page = unescape(client.get(f"/admin/checkins/checkin/{checkin.pk}/change/").content.decode())
    listing = unescape(client.get("/admin/checkins/checkin/").content.decode())

    assert "How bad was your back pain" in page
    assert "7 out of 10" in page
    assert ">No<" in page
    assert "Weekly check-in" in page
    assert "Weekly check-in" in listing
    for raw in ("back_pain", "ces_symptoms", ">Full<", ">False<"):
        assert raw not in page, raw
