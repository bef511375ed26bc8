"""The measurements, run against the working copy of the bench database. Every figure is
taken several times, each run next to its baseline, and reported as median and range."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from bench import load
from bench.plan import (
    HR_USERNAME,
    MONTHLY_CODE,
    REFRESH_UNIT,
    STAFF_USERNAME,
    WEEKLY_CODE,
    Plan,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[measure] {message}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    key: str
    label: str
    unit: str  # "s", "ms", "MB", "req/s", "" (a yes/no check)
    values: list[float]
    baseline_label: str = ""
    baseline: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # per run, measured ÷ baseline
    target: str = ""
    passed: bool | None = None  # None: informational
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(median=self.median, baseline_median=self.baseline_median, ratio=self.ratio)
        return data


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    value = fn()
    return time.perf_counter() - began, value


# ---------------------------------------------------------------- closing


def _baseline_sql(scheme, bounds) -> tuple[str, list]:
    """PostgreSQL's own GROUP BY staff … SUM + RANK() over the records the close loads."""
    from evaluations.models import Record
    from scoring.selectors import _codes_q, participants_q
    from staff.models import Staff

    config = scheme.current_version.config
    rows = (
        Record.objects.filter(voided=False)
        .filter(staff__in=Staff.objects.filter(participants_q(config, bounds)).values("pk"))
        .filter(date__gte=bounds.start, date__lte=bounds.end)
        .filter(_codes_q(config))
        .order_by()
        .values_list("staff_id", "value")
    )
    inner, params = rows.query.sql_with_params()
    sql = (
        "SELECT staff_id, total, RANK() OVER (ORDER BY total DESC) FROM ("
        f"SELECT staff_id, SUM(COALESCE(value, 1)) AS total FROM ({inner}) AS r "
        "GROUP BY staff_id) AS t"
    )
    return sql, list(params)


def measure_close(plan: Plan, code: str, key: str, runs: int, label: str) -> Figure:
    from django.db import connection, transaction

    from evaluations.models import Scheme
    from scoring.engine.periods import parse_period_key
    from scoring.models import ParticipantResult, Period
    from scoring.services import period_close

    scheme = Scheme.objects.select_related("current_version").get(code=code)
    bounds = parse_period_key(scheme.period, key)
    assert not Period.objects.filter(scheme=scheme, key=key).exists(), f"{code} {key} exists"
    sql, params = _baseline_sql(scheme, bounds)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    baseline()  # warm the plan cache
    figure = Figure(
        key=f"close_{scheme.period}",
        label=label,
        unit="s",
        values=[],
        baseline_label="SQL GROUP BY staff, SUM, RANK()",
    )
    participants = None
    receivers: list[float] = []
    with _timed_receivers(receivers):
        for run in range(runs):
            base_seconds, ranked = timed(baseline)
            with transaction.atomic():
                seconds, outcome = timed(
                    lambda: period_close(scheme=scheme, key=key, reason="bench")
                )
                participants = ParticipantResult.objects.filter(snapshot=outcome.snapshot).count()
                transaction.set_rollback(True)
            figure.values.append(seconds)
            figure.baseline.append(base_seconds)
            figure.ratios.append(seconds / base_seconds)
            log(
                f"{label} run {run + 1}: {seconds:.3f} s, of which period_closed receivers "
                f"{receivers[-1]:.3f} s (SQL {base_seconds * 1000:.1f} ms)"
            )
    figure.note = (
        f"{participants:,} participants; SQL ranked {ranked:,} staff with records; of the "
        f"close, the period_closed receivers (notice draft) took median "
        f"{statistics.median(receivers):.2f} s"
    )
    return figure


@contextmanager
def _timed_receivers(seconds: list[float]):
    """Time what period_close's ``period_closed`` receivers (the notice draft) take."""
    from scoring import services

    real = services.period_closed

    class Timed:
        def send(self, *args, **kwargs):
            began = time.perf_counter()
            try:
                return real.send(*args, **kwargs)
            finally:
                seconds.append(time.perf_counter() - began)

    services.period_closed = Timed()
    try:
        yield
    finally:
        services.period_closed = real


# ---------------------------------------------------------------- pages


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, workers: int):
        self.port = _free_port()
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "starservice.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "120",
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn exited at start-up") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def _session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _flatten(patterns, prefix=""):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _flatten(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def find_page(names: tuple[str, ...], routes: tuple[str, ...], kwargs_for: dict) -> str | None:
    """The dashboards page whose URL name or route matches, reversed with the arguments it
    takes (scheme code, period key, ids) filled in; None while the page does not exist."""
    from django.urls import NoReverseMatch, reverse

    try:
        from dashboards import urls as dashboard_urls
    except ImportError:
        return None
    namespace = getattr(dashboard_urls, "app_name", None)
    candidates = []
    for route, pattern in _flatten(dashboard_urls.urlpatterns):
        name = pattern.name or ""
        if name in names or route in routes:
            candidates.append((0 if name in names else 1, route, pattern))
    for _rank, _route, pattern in sorted(candidates, key=lambda c: (c[0], c[1])):
        wanted = getattr(pattern.pattern, "converters", {})
        kwargs = {}
        for arg in wanted:
            if arg not in kwargs_for:
                break
            kwargs[arg] = kwargs_for[arg]
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
    return None


def measure_pages(plan: Plan, runs: int, duration: float, concurrency: int) -> list[Figure]:
    from django.urls import reverse

    from evaluations.models import Scheme
    from scoring.engine.periods import period_for_date
    from staff.models import Staff

    today = plan.today
    monthly = Scheme.objects.get(code=MONTHLY_CODE)
    clerk = Staff.objects.get(user__username=STAFF_USERNAME)
    kwargs_for = {
        "code": MONTHLY_CODE,
        "scheme": MONTHLY_CODE,
        "scheme_code": MONTHLY_CODE,
        "slug": MONTHLY_CODE,
        "scheme_id": monthly.pk,
        "key": period_for_date(monthly.period, today).key,
        "period": period_for_date(monthly.period, today).key,
        "period_key": period_for_date(monthly.period, today).key,
        "staff_id": clerk.pk,
        "pk": clerk.pk,
    }
    pages = {
        "bare": reverse("bench-bare"),
        "standing": find_page(
            ("standing", "me", "my_standing", "mine", "my"), ("me/",), kwargs_for
        ),
        "leaderboard": find_page(("leaderboard", "ranking"), ("leaderboard/",), kwargs_for),
    }
    cookies = {
        "bare": _session_cookie(STAFF_USERNAME),
        "standing": _session_cookie(STAFF_USERNAME),
        "leaderboard": _session_cookie(HR_USERNAME),
    }
    log(f"pages: {pages}")
    present = {name: path for name, path in pages.items() if path}
    results: dict[str, list[dict]] = {name: [] for name in present}
    workers = max(2, os.cpu_count() or 2)
    with Server(workers) as server:
        for name, path in present.items():  # every worker computes its caches first
            warm = load.run(
                host="127.0.0.1",
                port=server.port,
                path=path,
                cookie=cookies[name],
                concurrency=workers,
                duration=max(2.0, duration / 4),
                timeout=120,
            )
            log(f"warm-up {name} {path}: {warm.summary()}")
        for run in range(runs):
            for name, path in present.items():
                outcome = load.run(
                    host="127.0.0.1",
                    port=server.port,
                    path=path,
                    cookie=cookies[name],
                    concurrency=concurrency,
                    duration=duration,
                )
                summary = outcome.summary()
                results[name].append(summary)
                log(f"{name} run {run + 1}: {summary}")
    return _page_figures(pages, results, concurrency)


def _error_kinds(runs: list[dict]) -> dict:
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, count in run["errors"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    return kinds


def _page_figures(pages: dict, results: dict, concurrency: int) -> list[Figure]:
    bare = results["bare"]
    figures = []
    specs = [
        ("standing", "p50_ms", "standing page p50", "≤ 2× bare p50", 2.0),
        ("standing", "p99_ms", "standing page p99", "≤ 3× bare p99", 3.0),
        ("standing", "rps", "standing page throughput", "", None),
        ("leaderboard", "p50_ms", "leaderboard page p50", "≤ 2× bare p50", 2.0),
        ("leaderboard", "p99_ms", "leaderboard page p99", "", None),
        ("leaderboard", "rps", "leaderboard page throughput", "", None),
    ]
    for page, metric, label, target, limit in specs:
        unit = "req/s" if metric == "rps" else "ms"
        base_label = f"bare page {metric.replace('_ms', '')}, {concurrency} connections"
        if page not in results:
            figures.append(
                Figure(
                    key=f"{page}_{metric}",
                    label=label,
                    unit=unit,
                    values=[],
                    baseline_label=base_label,
                    target=target,
                    passed=None,
                    note=f"no {page} page in dashboards/ yet: not measured",
                )
            )
            continue
        runs = results[page]
        errors = sum(sum(r["errors"].values()) for r in runs)
        values = [r[metric] for r in runs if r[metric] is not None]
        baseline = [r[metric] for r in bare if r[metric] is not None]
        ratios = [v / b for v, b in zip(values, baseline, strict=False) if b]
        if metric == "rps":
            ratios = []
        figure = Figure(
            key=f"{page}_{metric}",
            label=label,
            unit=unit,
            values=values,
            baseline_label=base_label,
            baseline=baseline,
            ratios=ratios,
            target=target,
            note=f"{pages[page]}; {sum(r['requests'] for r in runs):,} requests, {errors} errors"
            + (f" {_error_kinds(runs)}" if errors else ""),
        )
        if limit is not None and figure.ratio is not None:
            figure.passed = figure.ratio <= limit and errors == 0
        figures.append(figure)
    return figures


# ---------------------------------------------------------------- export


def _child(args: list[str]) -> tuple[float, float]:
    """Run ``python -m bench.child ARGS``; (seconds it reports, its own peak RSS in MB)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    output, _err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bench.child {args[0]} failed ({process.returncode})")
    report = json.loads(output.decode().strip().splitlines()[-1])
    return report["seconds"], report["peak_rss_mb"]


def _sheet_shapes(path: Path) -> list[str]:
    """ROWSxCOLS of every sheet of an xlsx, from its XML (rows and cells counted)."""
    shapes = []
    with zipfile.ZipFile(path) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)),
            key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)),
        )
        for name in names:
            xml = archive.read(name)
            rows = xml.count(b"<row ") + xml.count(b"<row>")
            cells = xml.count(b"<c ") + xml.count(b"<c>")
            shapes.append(f"{rows}x{max(1, round(cells / rows)) if rows else 0}")
    return shapes


def measure_export(plan: Plan, runs: int, workdir: Path) -> list[Figure]:
    from evaluations.models import Scheme
    from scoring.models import Period
    from scoring.services import period_close

    scheme = Scheme.objects.get(code=MONTHLY_CODE)
    key = plan.close_month
    if not Period.objects.filter(scheme=scheme, key=key, status="closed").exists():
        seconds, _outcome = timed(lambda: period_close(scheme=scheme, key=key, reason="bench"))
        log(f"closed {MONTHLY_CODE} {key} for the export ({seconds:.1f} s)")
    out = workdir / "report.xlsx"
    base_out = workdir / "baseline.xlsx"
    seconds_fig = Figure(
        key="export_seconds",
        label=f"export_report {MONTHLY_CODE} {key}",
        unit="s",
        values=[],
        baseline_label="openpyxl write-only, same cells",
        target="≤ 1.5× baseline",
    )
    rss_fig = Figure(
        key="export_rss", label="export_report peak RSS", unit="MB", values=[], target="≤ 150 MB"
    )
    shapes = None
    for run in range(runs):
        seconds, rss = _child(["export", MONTHLY_CODE, key, str(out)])
        if shapes is None:
            shapes = _sheet_shapes(out)
            log(f"report sheets (rows x cols): {shapes}; {out.stat().st_size / 1e6:.1f} MB")
        base_seconds, base_rss = _child(["xlsx-write", str(base_out), *shapes])
        seconds_fig.values.append(seconds)
        seconds_fig.baseline.append(base_seconds)
        seconds_fig.ratios.append(seconds / base_seconds)
        rss_fig.values.append(rss)
        rss_fig.baseline.append(base_rss)
        log(f"export run {run + 1}: {seconds:.2f} s, {rss:.0f} MB (baseline {base_seconds:.2f} s)")
    cells = sum(int(r) * int(c) for r, c in (s.split("x") for s in shapes))
    seconds_fig.note = f"sheets {', '.join(shapes)} (rows×cols), {cells:,} cells"
    seconds_fig.passed = seconds_fig.ratio <= 1.5
    rss_fig.baseline_label = "baseline process peak RSS"
    rss_fig.passed = max(rss_fig.values) <= 150
    rss_fig.note = "whole process (Python + Django + export), worst run"
    return [seconds_fig, rss_fig]


# ---------------------------------------------------------------- import


def _import_workbook(plan: Plan, path: Path, rows: int, bad_last_row: bool = False) -> None:
    from openpyxl import Workbook

    from evaluations.ledger import RECORD_OPTIONAL, RECORD_REQUIRED, RECORD_SHEET
    from staff.models import Staff

    rng = random.Random(plan.seed + 1)
    # Only days no period closes before the import: the measured week and month are
    # closed by then (the export closes the month), so the rows fall in the open ones.
    _key, monday, sunday = plan.close_week
    first = max(sunday + timedelta(days=1), plan.today.replace(day=1))
    days = [first + timedelta(days=i) for i in range((plan.today - first).days + 1)]
    people = list(
        Staff.objects.filter(status="active", hire_date__lte=monday)
        .order_by("employee_no")
        .values_list("employee_no", "position__name")
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(RECORD_SHEET)
    sheet.append(RECORD_REQUIRED + RECORD_OPTIONAL)
    for index in range(rows):
        number, position = rng.choice(people)
        day = rng.choice(days)
        roll = rng.random()
        if roll < 0.5:
            line = [day, number, "扣分", rng.choice(["CLEAN-01", "ATT-01", "DIS-02"]), None]
        elif roll < 0.9 or position != "客服员":
            line = [
                day,
                number,
                "评价",
                rng.choice(["满意", "满意", "基本满意"]),
                rng.randint(1, 3),
            ]
        else:
            line = [day, number, "警告", rng.choice(["PATROL-LATE", "PATROL-DRESS"]), None]
        line += ["质检员", "员工", f"bench-{index // 50}", "", f"第{index}行"]
        if bad_last_row and index == rows - 1:
            line[1] = "NO-SUCH-STAFF"
        sheet.append(line)
    workbook.save(path)


def measure_import(plan: Plan, runs: int, workdir: Path, rows: int = 10_000) -> list[Figure]:
    from django.db import transaction

    from evaluations.ledger import records_import
    from evaluations.models import Record

    path = workdir / "records.xlsx"
    bad = workdir / "records-bad.xlsx"
    _import_workbook(plan, path, rows)
    _import_workbook(plan, bad, rows, bad_last_row=True)
    figure = Figure(
        key="import_seconds",
        label=f"import_records, {rows:,} rows",
        unit="s",
        values=[],
        baseline_label="openpyxl read-only, same file",
        target="≤ 3× baseline",
    )
    for run in range(runs):
        base_seconds, _rss = _child(["xlsx-read", str(path)])
        with transaction.atomic():
            with open(path, "rb") as handle:
                seconds, result = timed(lambda h=handle: records_import(source=h))
            assert result.ok and result.created == rows, (result.problems[:3], result.created)
            transaction.set_rollback(True)
        figure.values.append(seconds)
        figure.baseline.append(base_seconds)
        figure.ratios.append(seconds / base_seconds)
        log(f"import run {run + 1}: {seconds:.2f} s (read-only {base_seconds:.2f} s)")
    figure.passed = figure.ratio <= 3
    before = Record.objects.count()
    with open(bad, "rb") as handle:
        bad_seconds, result = timed(lambda: records_import(source=handle))
    kept = (not result.ok) and result.created == 0 and Record.objects.count() == before
    check = Figure(
        key="import_all_or_nothing",
        label="import with one bad row writes nothing",
        unit="",
        values=[1.0 if kept else 0.0],
        target="kept",
        passed=kept,
        note=f"{len(result.problems)} problem(s) reported in {bad_seconds:.2f} s; "
        f"{Record.objects.count() - before} records written",
    )
    return [figure, check]


# ---------------------------------------------------------------- refresh


def measure_refresh(plan: Plan, runs: int) -> list[Figure]:
    from django.utils import timezone

    from evaluations.ledger import RecordDraft, record_create
    from evaluations.selectors import active_schemes, schemes_for
    from scoring.engine import compute_period
    from scoring.engine.periods import period_for_date
    from scoring.selectors import load_inputs
    from scoring.services import standing_compute
    from staff.models import Staff

    person = Staff.objects.select_related("unit", "position").get(user__username=STAFF_USERNAME)
    unit_size = Staff.objects.filter(unit__path=REFRESH_UNIT).count()
    schemes = [
        s.scheme
        for s in schemes_for(
            active_schemes(), position=person.position.name, unit_path=person.unit.path
        )
    ]
    today = timezone.localdate()
    for scheme in schemes:
        seconds, _ = timed(lambda s=scheme: standing_compute(scheme=s, day=today))
        log(f"cold standing {scheme.code}: {seconds:.2f} s")
    variants = [
        ("monthly item", "deduction", "ATT-01", "refresh_monthly_item"),
        ("stars warning", "warning", "PATROL-LATE", "refresh_stars_warning"),
    ]
    figures = []
    for text, kind, code, key in variants:
        figure = Figure(
            key=key,
            label=f"refresh after one {text} (unit of {unit_size})",
            unit="ms",
            values=[],
            target="≤ 200 ms",
        )
        for run in range(runs):
            draft = RecordDraft(
                staff_id=person.pk,
                date=today,
                kind=kind,
                code=code,
                inspector_name="bench",
                note=f"bench refresh {run}",
            )

            def refresh(draft=draft):
                record = record_create(draft=draft)
                outcomes = [standing_compute(scheme=s, day=today)[1] for s in schemes]
                return record, outcomes

            seconds, (record, outcomes) = timed(refresh)
            seen = any(
                e.record_id == record.pk
                for outcome in outcomes
                for r in outcome.results
                if r.staff_id == person.pk
                for e in r.effects
            )
            assert seen, "the new record is not in the refreshed standing"
            figure.values.append(seconds * 1000)
            log(f"refresh {text} run {run + 1}: {seconds * 1000:.0f} ms")
        figure.passed = figure.median <= 200
        figure.note = f"record_create + standing of {', '.join(s.code for s in schemes)}"
        figures.append(figure)
    # The cached standing must equal a computation from scratch.
    for scheme in schemes:
        bounds, cached = standing_compute(scheme=scheme, day=today)
        fresh = compute_period(
            load_inputs(
                version=scheme.current_version, period=period_for_date(scheme.period, today)
            )
        )
        same = _rows(cached) == _rows(fresh)
        log(f"standing {scheme.code} {bounds.key} equals a fresh computation: {same}")
        assert same, f"cached standing of {scheme.code} differs from a fresh computation"
    return figures


def _rows(outcome) -> list[tuple]:
    return [
        (r.staff_id, r.rank, r.score, r.grade, r.award, len(r.effects), tuple(r.flags))
        for r in outcome.results
    ]


# ---------------------------------------------------------------- all of it


def participants_note() -> str:
    from evaluations.models import Record
    from staff.models import Staff, Unit

    return (
        f"{Staff.objects.count():,} staff in {Unit.objects.count():,} units, "
        f"{Record.objects.count():,} records"
    )


def measure(plan: Plan, *, runs: int, page_runs: int, duration: float, only: set[str]) -> dict:
    import django

    django.setup()
    from django.core.cache import cache

    cache.clear()
    week_key, _monday, _sunday = plan.close_week
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="starservice-bench-") as tmp:
        workdir = Path(tmp)
        steps = [
            (
                "close",
                lambda: [
                    measure_close(
                        plan,
                        MONTHLY_CODE,
                        plan.close_month,
                        runs,
                        f"month close {plan.close_month}",
                    ),
                    measure_close(plan, WEEKLY_CODE, week_key, runs, f"week close {week_key}"),
                ],
            ),
            ("pages", lambda: measure_pages(plan, page_runs, duration, concurrency=20)),
            ("export", lambda: measure_export(plan, max(2, runs - 2), workdir)),
            ("import", lambda: measure_import(plan, max(2, runs - 2), workdir)),
            ("refresh", lambda: measure_refresh(plan, runs)),
        ]
        for name, step in steps:
            if only and name not in only:
                continue
            began = time.monotonic()
            figures += step()
            log(f"{name}: {time.monotonic() - began:.0f} s")
    for figure in figures:
        if figure.key == "close_monthly":
            figure.target = "≤ 10× SQL and < 5 s"
            figure.passed = figure.ratio <= 10 and figure.median < 5
        elif figure.key == "close_weekly":
            figure.target = "≤ 10× SQL"
            figure.passed = figure.ratio <= 10
    return {"data": participants_note(), "figures": [f.as_json() for f in figures]}


def main(argv: list[str]) -> None:
    import argparse
    from datetime import date

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--today", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--page-runs", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    plan = Plan(args.scale, args.seed, date.fromisoformat(args.today))
    only = {name for name in args.only.split(",") if name}
    result = measure(
        plan, runs=args.runs, page_runs=args.page_runs, duration=args.duration, only=only
    )
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
