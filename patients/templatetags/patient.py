"""Template filters for the patient pages."""

from django import template
from django.conf import settings
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patients.words import word

register = template.Library()


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


@register.filter
def paragraphs(text: str) -> SafeString:
    """Content body: blank-line separated paragraphs; lines starting "- " are bullets; the
    emergency numbers filled in from settings."""
    text = numbers(text)
    html = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            html.append(
                "<ul>"
                + format_html_join("", "<li>{}</li>", ((line[2:],) for line in lines))
                + "</ul>"
            )
        elif lines:
            html.append(f"<p>{escape(' '.join(lines))}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 (every piece is escaped above)
