"""The admin's "enroll patient" form: the same inputs as POST /api/v1/patients/.

The form only reads the widgets; what the values mean (a known time zone, answers in range,
known pain sites) is checked by the enrollment service, so the admin shows exactly the API's
messages.
"""

import re
from typing import Any, cast

from django import forms
from django.contrib.admin.widgets import AdminRadioSelect

from accounts.models import Clinician, Language, PainSite, PatientFlag, known_timezones
from programs.stratification import BOTHERSOME_ITEM, BOTHERSOME_LABELS, ITEM_COUNT, ITEM_LABELS

AGREE_CHOICES = [(1, "Agree"), (0, "Disagree")]
YES_NO_CHOICES = [(True, "Yes"), (False, "No")]
CONSENT_CHOICES = [
    (True, "Yes: the patient agreed to receive SMS from SelfCare"),
    (False, "No: web only, never send SMS"),
]


INLINE_RADIOS = AdminRadioSelect(attrs={"class": "radiolist inline"})


def timezone_choices() -> list[tuple[str, str]]:
    return [("", "Choose…"), *((name, name) for name in sorted(known_timezones()))]


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
        max_length=40, help_text="Mobile number in any common format, e.g. (201) 555-0123."
    )
    timezone = forms.CharField(
        widget=forms.Select, help_text="Where the patient lives; check-ins follow it."
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
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the patient first presented.",
    )

    def __init__(self, *args: Any, clinicians: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.Select, self.fields["timezone"].widget).choices = timezone_choices()
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

    def fieldsets(self) -> list[tuple[str, dict[str, Any]]]:
        """The form's sections, for the admin's own fieldset rendering."""
        patient = ["first_name", "last_name", "phone", "timezone", "language", "sms_consent"]
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
                "Pain",
                {
                    "fields": [
                        "pain_sites",
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

    def enrollment_input(self) -> dict[str, Any]:
        """The cleaned data as the keyword arguments of `patient_enroll`."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "phone": data["phone"],
            "timezone_name": data["timezone"],
            "language": data["language"],
            "sms_consent": data["sms_consent"],
            "startback": [data[f"item_{item}"] for item in range(1, ITEM_COUNT + 1)],
            "pain_sites": list(data["pain_sites"]),
            "back_pain": data["back_pain"],
            "leg_pain": data["leg_pain"],
            "onset_date": data["onset_date"],
            "presentation_date": data["presentation_date"],
            "flags": {flag: data[flag] for flag in PatientFlag.values},
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the service's errors on the matching fields, the rest above the form."""
        for name, messages in errors.items():
            for message in messages:
                field = name if name in self.fields else None
                if name == "startback" and (item := re.match(r"Item (\d)\b", message)):
                    field = f"item_{item.group(1)}"
                self.add_error(field, message)


def clinician_choices() -> Any:
    return Clinician.objects.select_related("user").order_by("user__last_name", "user__username")
