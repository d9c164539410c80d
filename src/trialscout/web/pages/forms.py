"""Reading what a page's form sent: the pages' one error type and their one number reader."""

from __future__ import annotations

import msgspec


class FormError(msgspec.Struct, frozen=True, kw_only=True):
    """A field of a form that could not be used, and why (shown on the page beside the form)."""

    field: str
    message: str


def form_number(text: str, field: str, low: float, high: float, errors: list[FormError]) -> float | None:
    """``text`` as a number from ``low`` to ``high``; None when empty, or (noted in ``errors``)
    when it is not a number in that range."""
    value = text.strip()
    if not value:
        return None
    try:
        found = float(value)
    except ValueError:
        errors.append(FormError(field=field, message=f"{value!r} is not a number"))
        return None
    if not low <= found <= high:
        errors.append(FormError(field=field, message=f"must be between {low:g} and {high:g}"))
        return None
    return found
