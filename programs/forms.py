"""The admin's "enroll patient" form: the same inputs as POST /api/v1/patients/.

The form only reads the widgets; what the values mean (a known time zone, answers in range,
known pain sites, a phone number valid where the patient lives) is checked by the enrollment
service, so the admin shows exactly the API's messages, and all of them after one submit.
"""

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminRadioSelect
from django.utils import timezone

from accounts.models import Clinician, Language, PainSite, PatientFlag, User
from accounts.timezones import canonical_timezones, common_zones
from programs.services import patient_enroll_errors
from programs.stratification import BOTHERSOME_ITEM, BOTHERSOME_LABELS, ITEM_COUNT, ITEM_LABELS
from selfcare.clock import clinic_today

AGREE_CHOICES = [(1, "Agree"), (0, "Disagree")]
YES_NO_CHOICES = [(True, "Yes"), (False, "No")]
CONSENT_CHOICES = [
    (True, "Yes: the patient agreed to receive SMS from SelfCare"),
    (False, "No: web only, never send SMS"),
]


INLINE_RADIOS = AdminRadioSelect(attrs={"class": "radiolist inline"})


# The short list's last choice: the zone is then the one chosen from the full list.
OTHER_ZONE = "other"


def timezone_choices() -> list[tuple[str, str]]:
    return [*common_zones(settings.CLINIC_TIME_ZONE), (OTHER_ZONE, "Other…")]


def other_timezone_choices() -> list[tuple[str, str]]:
    return [("", "Choose…"), *((name, name.replace("_", " ")) for name in canonical_timezones())]


def _clinic_today() -> date:
    return clinic_today(timezone.now())


def _to_bool(value: str) -> bool:
    return value == "True"


class UncheckedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the enrollment service validates (with the API's messages)."""

    def valid_value(self, value: Any) -> bool:
        return True


class EnrollPatientForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    phone = forms.CharField(
        max_length=40,
        help_text="Mobile number, with + and the country code or as written where the patient "
        "lives: (201) 555-0123 in the US, 07400 123456 in the UK.",
    )
    timezone = forms.CharField(
        label="Time zone",
        widget=forms.Select,
        help_text="Where the patient lives; check-ins follow it, and a number written without "
        "+ and the country code is read as one from there.",
    )
    timezone_other = forms.CharField(
        label="Other time zone",
        required=False,
        widget=forms.Select,
        help_text="Every time zone, A–Z: used when the time zone is “Other…”.",
    )
    language = forms.ChoiceField(choices=Language.choices, widget=INLINE_RADIOS)
    sms_consent = forms.TypedChoiceField(
        label="SMS consent", choices=CONSENT_CHOICES, coerce=_to_bool, widget=AdminRadioSelect
    )
    pain_sites = UncheckedMultipleChoiceField(
        choices=PainSite.choices, widget=forms.CheckboxSelectMultiple, label="Pain sites"
    )
    back_pain = forms.IntegerField(min_value=0, max_value=10, label="Back pain now (0–10)")
    leg_pain = forms.IntegerField(min_value=0, max_value=10, label="Leg pain now (0–10)")
    onset_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When this episode began; leave empty if unknown.",
    )
    presentation_date = forms.DateField(
        initial=_clinic_today,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the patient first presented (today in the clinic unless you change it).",
    )

    def __init__(self, *args: Any, clinicians: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.CLINIC_TIME_ZONE
        cast(forms.Select, self.fields["timezone"].widget).choices = timezone_choices()
        other = cast(forms.Select, self.fields["timezone_other"].widget)
        other.choices = other_timezone_choices()
        for item in range(1, ITEM_COUNT + 1):
            choices = list(BOTHERSOME_LABELS.items()) if item == BOTHERSOME_ITEM else AGREE_CHOICES
            self.fields[f"item_{item}"] = forms.IntegerField(
                label=f"{item}. {ITEM_LABELS[item]}",
                widget=AdminRadioSelect(choices=choices, attrs={"class": "radiolist inline"}),
            )
        # A flag is answered yes or no, never left to mean "no" by an unticked box.
        for flag, label in PatientFlag.choices:
            self.fields[flag] = forms.TypedChoiceField(
                label=label, choices=YES_NO_CHOICES, coerce=_to_bool, widget=INLINE_RADIOS
            )
        if clinicians is not None:
            self.fields["clinician"] = forms.ModelChoiceField(
                queryset=clinicians, help_text="The clinician responsible for this patient."
            )

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("timezone") == OTHER_ZONE and not data.get("timezone_other"):
            self.add_error("timezone_other", "Choose the patient's time zone from the full list.")
        return data

    def fieldsets(self) -> list[tuple[str, dict[str, Any]]]:
        """The form's sections, for the admin's own fieldset rendering."""
        patient = [
            "first_name",
            "last_name",
            "timezone",
            "timezone_other",
            "phone",
            "language",
            "sms_consent",
        ]
        if "clinician" in self.fields:
            patient.append("clinician")
        return [
            ("Patient", {"fields": patient}),
            (
                "STarT Back answers",
                {
                    "fields": [f"item_{item}" for item in range(1, ITEM_COUNT + 1)],
                    "description": "Administer the official STarT Back tool (© Keele "
                    "University) and enter the patient's answers. Items 1–8: agree or "
                    "disagree. Item 9: how bothersome the back pain has been.",
                },
            ),
            (
                "Pain sites",
                {
                    "fields": ["pain_sites"],
                    "description": "Tick every site, or click it on the body outline.",
                },
            ),
            (
                "Pain",
                {
                    "fields": [
                        "back_pain",
                        "leg_pain",
                        "onset_date",
                        "presentation_date",
                    ]
                },
            ),
            (
                "Risk flags",
                {
                    "fields": list(PatientFlag.values),
                    "description": "Answer yes or no for each flag.",
                },
            ),
        ]

    def is_complete(self, *, clinician: Clinician | None, actor: User) -> bool:
        """Whether the input is valid both in its widgets and for the enrollment service.

        The service is asked even when some widgets did not read, so every problem shows after
        one submit; where a widget already has its own error, the service's is left out.
        `clinician` is the one responsible unless the form chooses one.
        """
        widgets_valid = self.is_valid()
        responsible = self.cleaned_data.get("clinician") or clinician
        self.add_service_errors(
            patient_enroll_errors(clinician=responsible, actor=actor, **self.enrollment_input())
        )
        return widgets_valid and not self.errors

    def enrollment_input(self) -> dict[str, Any]:
        """The cleaned data as the keyword arguments of `patient_enroll` (None where a widget
        did not read)."""
        data = self.cleaned_data
        return {
            "first_name": data.get("first_name"),
            "last_name": data.get("last_name"),
            "phone": data.get("phone"),
            "timezone_name": self._zone(),
            "language": data.get("language"),
            "sms_consent": data.get("sms_consent"),
            "startback": [data.get(f"item_{item}") for item in range(1, ITEM_COUNT + 1)],
            "pain_sites": list(data.get("pain_sites") or []),
            "back_pain": data.get("back_pain"),
            "leg_pain": data.get("leg_pain"),
            "onset_date": data.get("onset_date"),
            "presentation_date": data.get("presentation_date"),
            "flags": {flag: data.get(flag) for flag in PatientFlag.values},
        }

    def _zone(self) -> str | None:
        zone = self.cleaned_data.get("timezone")
        if zone == OTHER_ZONE:
            return self.cleaned_data.get("timezone_other") or None
        return zone

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the service's errors on the matching fields, the rest above the form; a field
        that already has an error keeps only its own."""
        for name, messages in errors.items():
            for message in messages:
                field = self._field_for(name, message)
                if field is not None and field in self.errors:
                    continue
                self.add_error(field, message)

    def _field_for(self, name: str, message: str) -> str | None:
        if name == "startback" and (item := re.match(r"Item (\d)\b", message)):
            return f"item_{item.group(1)}"
        if name == "flags" and (flag := re.search(r"flag '(\w+)'", message, re.IGNORECASE)):
            return flag.group(1) if flag.group(1) in self.fields else None
        if name == "timezone" and self.cleaned_data.get("timezone") == OTHER_ZONE:
            return "timezone_other"
        return name if name in self.fields else None


def clinician_choices() -> Any:
    return Clinician.objects.select_related("user").order_by("user__last_name", "user__username")
