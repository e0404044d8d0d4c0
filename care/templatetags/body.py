"""`{% body_outline sites %}`: the pain sites on the body outline (care/body.py).

`picker=True` draws it for the enrollment form: clicking a region ticks the matching pain-site
checkbox (care/static/care/body_picker.js); the checkboxes stay as the accessible way in."""

from typing import Any

from django import template

from care.body import DRAWING, body_regions, site_labels

register = template.Library()


@register.inclusion_tag("admin/care/body_outline.html")
def body_outline(sites: list[str] | None, picker: bool = False) -> dict[str, Any]:
    return {
        "regions": body_regions(sites),
        "labels": site_labels(sites),
        "drawing": DRAWING,
        "picker": picker,
    }
