"""Phone numbers, one way each: read as E.164, and shown (logs, lists) by their last four
digits only."""

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumber_field.phonenumber import to_python
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from accounts.timezones import phone_region, zone_label

# Numbers that can take an SMS: the patient's sign-in links and check-ins arrive by text. North
# American numbers do not tell a mobile from a landline, so they read as either.
_TEXTABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def e164(raw: str) -> str | None:
    """The number in E.164 if `raw` is a valid one (any common format), else None."""
    number = to_python(raw)
    return number.as_e164 if number and number.is_valid() else None


def patient_e164(raw: str, zone: str) -> str:
    """A patient's mobile number in E.164, written either with + and the country code or in
    the national format of where they live (`zone`: a London patient's 07… is a UK mobile).

    Raises a ValidationError that says what format is expected: a number valid elsewhere but
    not there (a US number written nationally for a London patient) would text a stranger.
    """
    region = phone_region(zone)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _TEXTABLE
    ):
        raise ValidationError(_expected_format(zone, region), code="invalid")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _expected_format(zone: str, region: str | None) -> str:
    example = region and phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if not example:
        return (
            f"The phone number is not valid: for a patient in {zone_label(zone)}, enter it "
            "with + and the country code."
        )
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    return (
        f"The phone number is not valid for a patient in {zone_label(zone)}: enter a mobile "
        f"number like {national}, or start with + and the country code."
    )


def redact(phone: object) -> str:
    """A number as logs and lists show it: `…1234`."""
    text = str(phone or "")
    return f"…{text[-4:]}" if text else "?"
