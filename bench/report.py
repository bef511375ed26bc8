"""The table: figure, baseline, ratio, target, pass/fail."""

from __future__ import annotations


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "req/s":
        return f"{value:.1f} req/s"
    return "yes" if value else "no"


def _spread(values: list[float], median: float | None, unit: str) -> str:
    if median is None:
        return "–"
    text = _number(median, unit)
    if len(values) > 1:
        text += f" [{_number(min(values), unit)}–{_number(max(values), unit)}]"
    return text


def table(result: dict) -> str:
    rows = [
        ("figure", "measured: median [range]", "baseline: median [range]", "ratio", "target", "")
    ]
    notes = []
    for figure in result["figures"]:
        unit = figure["unit"]
        measured = _spread(figure["values"], figure["median"], unit)
        baseline = ""
        if figure["baseline"]:
            baseline = _spread(figure["baseline"], figure["baseline_median"], unit)
            if figure["baseline_label"]:
                baseline += f" ({figure['baseline_label']})"
        ratio = f"{figure['ratio']:.2f}×" if figure["ratio"] is not None else ""
        verdict = {True: "PASS", False: "FAIL", None: "n/a" if figure["target"] else ""}[
            figure["passed"]
        ]
        rows.append((figure["label"], measured, baseline, ratio, figure["target"], verdict))
        if figure["note"]:
            notes.append(f"  {figure['label']}: {figure['note']}")
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(" | ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines + ["", "notes:", *notes])


def _width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
