"""Chart specifications for static/dashboards/charts.js: plain JSON with the labels already
translated. Every chart is also rendered as a table (the fallback without JavaScript, for
screen readers and for print), from the same rows."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def history_chart(history, config: dict) -> dict:
    name = _("net stars") if config["method"] == "stars" else _("score")
    return {
        "x": [point.key + ("*" if point.provisional else "") for point in history],
        "axes": [{"name": name}],
        "series": [
            {"name": name, "type": "line", "data": [_number(p.score) for p in history]},
        ],
    }


def units_chart(units) -> dict:
    return {
        "x": [unit.path.rsplit("/", 1)[-1] for unit in units],
        "axes": [{"name": _("average"), "scale": True}],  # scores cluster near the top
        "series": [
            {"name": _("average"), "type": "bar", "data": [_number(u.average) for u in units]},
            {"name": _("lowest"), "type": "line", "data": [_number(u.lowest) for u in units]},
        ],
    }


def trend_chart(points) -> dict:
    return {
        "x": [point.key + ("*" if point.provisional else "") for point in points],
        "axes": [{"name": _("average"), "scale": True}],
        "series": [
            {"name": _("average"), "type": "line", "data": [_number(p.average) for p in points]},
        ],
    }


def pareto_chart(rows) -> dict:
    return {
        "x": [row.label for row in rows],
        "axes": [{"name": _("points deducted")}, {"name": _("cumulative %"), "max": 100}],
        "series": [
            {
                "name": _("points deducted"),
                "type": "bar",
                "data": [_number(row.points) for row in rows],
            },
            {
                "name": _("cumulative %"),
                "type": "line",
                "axis": 1,
                "data": [_number(row.cumulative) for row in rows],
            },
        ],
    }


def inspector_chart(activity) -> dict:
    rows = activity.rows
    median = _number(activity.median)
    return {
        "x": [row.name for row in rows],
        "axes": [{"name": _("points per inspection")}],
        "series": [
            {
                "name": _("points per inspection"),
                "type": "bar",
                "data": [_number(row.rate) for row in rows],
            },
            {"name": _("median"), "type": "line", "data": [median for _row in rows]},
        ],
    }
