"""Template filters for the patient pages."""

import re
from datetime import date, datetime
from itertools import groupby

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.templatetags.static import static
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from patients.illustrations import illustration
from patients.words import word

register = template.Library()

# A bullet line in content text: "- " or "• " at the start.
BULLET = re.compile(r"^[-•]\s+")
# A number written in international (E.164) form, "+44 20 7946 0000" or "+442079460000".
INTERNATIONAL_NUMBER = r"\+[1-9](?:[ ]?\d){6,14}"


@register.filter
def t(key: str, language: str) -> str:
    """{{ "today"|t:lang }}: the page word in the patient's language."""
    return word(key, language)


@register.filter
def numbers(text: str) -> str:
    """Content text with the emergency numbers filled in from settings."""
    return text.replace("{{ emergency_number }}", settings.EMERGENCY_NUMBER).replace(
        "{{ crisis_line }}", settings.CRISIS_LINE
    )


def _phone_pattern() -> re.Pattern[str]:
    """The emergency number and the crisis line (whatever a deployment set: 911 / 988, 999 /
    111) and any international number, standing alone (not inside a longer run of digits)."""
    local = sorted({settings.EMERGENCY_NUMBER, settings.CRISIS_LINE}, key=len, reverse=True)
    choices = "|".join([INTERNATIONAL_NUMBER, *(re.escape(number) for number in local)])
    return re.compile(rf"(?<![\w+])(?:{choices})(?!\w)")


def _tel_link(match: re.Match[str]) -> str:
    shown = match.group(0)
    return format_html('<a class="tel" href="tel:{}">{}</a>', shown.replace(" ", ""), shown)


def _linked(text: str) -> str:
    """`text` escaped, then each phone number in it made a tel: link (one tap on a phone).
    Escaping first means nothing in the text itself can become markup."""
    return _phone_pattern().sub(_tel_link, str(escape(text)))


@register.filter
def safety_text(text: str) -> SafeString:
    """A line of patient text (advice, "stop if"): numbers filled in, escaped, phone numbers
    made tel: links."""
    return mark_safe(_linked(numbers(text)))  # noqa: S308 (escaped in _linked)


@register.filter
def paragraphs(text: str) -> SafeString:
    """Content body: blank-line separated paragraphs; lines starting "- " or "• " are list
    items (a paragraph's lead-in line before them stays a paragraph); numbers filled in from
    settings and made tel: links. Every piece is escaped before any markup is added."""
    html: list[str] = []
    for block in numbers(text).strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        html += _block(lines)
    return mark_safe("\n".join(html))  # noqa: S308 (escaped in _linked)


def _block(lines: list[str]) -> list[str]:
    """One paragraph's lines as HTML: each run of plain lines a <p>, each run of bullets a
    <ul>."""
    html = []
    for is_bullet, run in groupby(lines, key=lambda line: bool(BULLET.match(line))):
        if is_bullet:
            items = "".join(f"<li>{_linked(BULLET.sub('', line))}</li>" for line in run)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{_linked(' '.join(run))}</p>")
    return html


@register.filter
def pose(slug: str) -> str:
    """The address of a step's line drawing (patients.illustrations picks it by slug)."""
    return static(f"patients/poses/{illustration(slug)}.svg")


@register.filter(expects_localtime=True)
def long_date(value: date | datetime, language: str) -> str:
    """A date as "Tuesday 8 December" / "martes 8 de diciembre": Django's month and day names in the
    active language (patient_page activates the patient's), in the time zone shown."""
    return date_filter(value, word("long_date", language))


@register.simple_tag
def tel(which: str) -> SafeString:
    """{% tel "emergency" %} / {% tel "crisis" %}: the number from settings as a tel: link."""
    number = {"emergency": settings.EMERGENCY_NUMBER, "crisis": settings.CRISIS_LINE}[which]
    return safety_text(number)
