"""Phone numbers, one way each: read as E.164, and shown (logs, lists) by their last four
digits only."""

from phonenumber_field.phonenumber import to_python


def e164(raw: str) -> str | None:
    """The number in E.164 if `raw` is a valid one (any common format), else None."""
    number = to_python(raw)
    return number.as_e164 if number and number.is_valid() else None


def redact(phone: object) -> str:
    """A number as logs and lists show it: `…1234`."""
    text = str(phone or "")
    return f"…{text[-4:]}" if text else "?"
