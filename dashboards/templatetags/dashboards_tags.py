"""Numbers and stars as StarService shows them."""

import html
from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

MAX_STAR_ICONS = 10


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@register.filter
def num(value) -> str:
    """3.50 → 3.5, 90.00 → 90: stored figures without trailing zeros."""
    number = _decimal(value)
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@register.filter
def signed(value) -> str:
    """+1, −0.5 (a true minus sign), 0."""
    number = _decimal(value)
    if number is None:
        return ""
    if number > 0:
        return "+" + num(number)
    if number < 0:
        return "−" + num(-number)
    return "0"


@register.inclusion_tag("dashboards/partials/star_icons.html")
def star_icons(count, colour: str):
    """Icons for a star count in halves: full stars, then a half star; capped."""
    number = _decimal(count) or Decimal(0)
    whole = int(number)
    half = number - whole >= Decimal("0.5")
    return {
        "full": range(min(whole, MAX_STAR_ICONS)),
        "half": half and whole < MAX_STAR_ICONS,
        "more": whole > MAX_STAR_ICONS,
        "none": not number,
        "colour": colour,
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def select_options(choices, selected) -> str:
    """``<option>``s for (value, label) pairs, ``selected`` marked. A filter can list every
    unit (hundreds): a template loop, or Django's escape per option, costs milliseconds a
    page; the standard library's escape of each value and label, joined, does not."""
    return mark_safe(
        "".join(
            f'<option value="{html.escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{html.escape(str(label))}</option>"
            for value, label in choices
        )
    )
