"""Numbers and stars as StarService shows them."""

import html
from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

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


def _escaped(value) -> str:
    return html.escape(str(value))


@register.simple_tag
def leaderboard_rows(rows, grades) -> str:
    """The leaderboard's ``<tr>``s, one per ``BoardRow``. Through the template engine a page
    of 50 rows (some 35 nodes a row) took about 3 ms, more than half of the page's
    rendering; written here with the standard library's escape, a fraction of that."""
    labels = {
        key: _escaped(gettext(text))
        for key, text in (
            ("red", "red stars"),
            ("green", "green stars"),
            ("net", "net"),
            ("veto", "veto"),
            ("ineligible", "not eligible"),
        )
    }
    return mark_safe(
        "".join(_leaderboard_row(row.cells, labels, grades=bool(grades)) for row in rows)
    )


def _leaderboard_row(cells: dict, labels: dict, *, grades: bool) -> str:
    e = {key: _escaped(value) for key, value in cells.items() if key != "flags"}
    stars = ""
    if cells["red"] is not None:
        icon = '<i class="bi bi-star-fill" aria-hidden="true"></i>'
        stars = (
            f'<span class="star-red" title="{labels["red"]}">{icon} {_escaped(num(cells["red"]))}'
            f'</span> <span class="star-green" title="{labels["green"]}">{icon} '
            f"{_escaped(num(cells['green']))}</span> "
            f'<span class="visually-hidden">{labels["net"]}</span>'
        )
    remarks = [
        f'<span class="badge text-bg-success">{e["award"]}</span>' if cells["award"] else "",
        f'<span class="badge text-bg-warning">{e["promotion"]}</span>'
        if cells["promotion"]
        else "",
        f'<span class="badge text-bg-danger">{labels["veto"]}</span>' if cells["veto"] else "",
        f'<span class="badge text-bg-secondary">{labels["ineligible"]}</span>'
        if cells["ineligible"]
        else "",
        *(
            f'<span class="badge text-bg-light border">{_escaped(flag)}</span>'
            for flag in cells["flags"]
        ),
    ]
    return (
        f'<tr data-employee="{e["number"]}" data-rank="{e["rank"]}" data-score="{e["score"]}" '
        f'data-grade="{e["grade"]}" data-award="{e["award"]}">'
        f'<td class="text-end">{e["rank"]}</td>'
        f'<td class="d-none d-md-table-cell">{e["number"]}</td>'
        f'<td class="text-nowrap">{e["name"]}'
        f'<div class="d-sm-none small text-body-secondary">{e["position"]}</div></td>'
        f'<td class="d-none d-lg-table-cell small">{e["unit"]}</td>'
        f'<td class="d-none d-sm-table-cell">{e["position"]}</td>'
        f'<td class="text-end text-nowrap">{stars}<strong>{_escaped(num(cells["score"]))}'
        "</strong></td>"
        + (f"<td>{e['grade']}</td>" if grades else "")
        + f'<td class="small">{" ".join(filter(None, remarks))}</td></tr>\n'
    )
