"""Posting an admin change form as a browser would: every field as the page shows it."""

from typing import Any


def change_form_data(client: Any, url: str, **overrides: Any) -> dict[str, Any]:
    """The change form at `url` as the browser would send it unchanged (its fields' current
    values; its read-only inlines empty), with `overrides` on top."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    data = {key: ("" if value is None else value) for key, value in data.items()}
    return {**data, **overrides}
