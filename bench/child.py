"""Processes the bench times on their own, so that peak RSS is theirs alone.

    python -m bench.child export CODE PERIOD OUT      # export_report, as HR runs it
    python -m bench.child xlsx-write OUT ROWSxCOLS…   # baseline: openpyxl write-only
    python -m bench.child xlsx-read FILE              # baseline: openpyxl read-only

Each prints one JSON line: {"seconds": …, "peak_rss_mb": …}, seconds of the work after
start-up and the peak RSS of the whole process."""

from __future__ import annotations

import json
import sys
import time
from datetime import date


def export(code: str, period: str, out: str) -> float:
    import django

    django.setup()
    from django.core.management import call_command

    began = time.perf_counter()
    call_command("export_report", code, period, out=out, stdout=sys.stderr)
    return time.perf_counter() - began


BASELINE_VALUES = [
    1234,
    "S000123",
    "星辰物业/项目01/客服部",
    98.5,
    date(2026, 1, 5),
    "地面有垃圾杂物",
]


def xlsx_write(out: str, shapes: list[str]) -> float:
    from openpyxl import Workbook

    began = time.perf_counter()
    workbook = Workbook(write_only=True)
    for index, shape in enumerate(shapes):
        rows, cols = (int(n) for n in shape.split("x"))
        sheet = workbook.create_sheet(f"sheet{index}")
        line = [BASELINE_VALUES[c % len(BASELINE_VALUES)] for c in range(cols)]
        for _ in range(rows):
            sheet.append(line)
    workbook.save(out)
    return time.perf_counter() - began


def xlsx_read(path: str) -> float:
    from openpyxl import load_workbook

    began = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            pass
    workbook.close()
    return time.perf_counter() - began


def peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM: the memory of this program, not the parent's
    that a forked child's ru_maxrss starts from)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "export":
        seconds = export(*args)
    elif command == "xlsx-write":
        seconds = xlsx_write(args[0], args[1:])
    elif command == "xlsx-read":
        seconds = xlsx_read(args[0])
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
