"""Backups: scripts/backup.sh (pg_dump) of a seeded database, scripts/restore.sh into a new
one, and the reports exported from both are the same workbooks, cell for cell."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from scoring.engine.periods import period_for_date
from tests.trust.conftest import ROOT, TEMPLATE_DB, app_environment, manage

pytestmark = pytest.mark.trust

TABLES = (
    "staff_staff",
    "evaluations_record",
    "evaluations_historicalrecord",
    "scoring_snapshot",
    "scoring_participantresult",
    "audit_auditentry",
    "auth_user",
)


def script(name: str, database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def workbook_cells(path: Path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def export_reports(database_url: str, directory: Path) -> dict[str, dict]:
    today = timezone.localdate()
    reports = {
        "weekly-closed": ("property-weekly-stars", period_for_date("weekly", today - timedelta(7))),
        "monthly-closed": (
            "property-monthly-quality",
            period_for_date("monthly", today.replace(day=1) - timedelta(days=1)),
        ),
        "weekly-open": ("property-weekly-stars", period_for_date("weekly", today)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    cells = {}
    for name, (code, period) in reports.items():
        out = directory / f"{name}.xlsx"
        manage(database_url, "export_report", code, period.key, "--out", str(out))
        cells[name] = workbook_cells(out)
    return cells


def row_counts(cluster, database: str) -> dict[str, str]:
    return {table: cluster.psql(database, f"SELECT count(*) FROM {table}") for table in TABLES}


def test_backup_and_restore_reproduce_the_same_reports(private_cluster, tmp_path):
    seeded = private_cluster.create_database("backup_seeded", template=TEMPLATE_DB)
    manage(seeded, "seed_demo", timeout=600)
    original = export_reports(seeded, tmp_path / "before")
    assert original["weekly-closed"]["汇总"][2:], "the seeded week should have results"

    backup = script("backup.sh", seeded, str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    archive = Path(backup.stdout.strip().splitlines()[-1])
    assert archive.is_file() and archive.suffix == ".dump"

    restored = private_cluster.create_database("backup_restored")
    restore = script("restore.sh", restored, str(archive))
    assert restore.returncode == 0, restore.stderr
    manage(restored, "migrate", "--check")  # the schema is complete: nothing left to apply

    assert row_counts(private_cluster, "backup_restored") == row_counts(
        private_cluster, "backup_seeded"
    )
    assert export_reports(restored, tmp_path / "after") == original


def test_restore_refuses_a_database_that_has_tables(private_cluster, tmp_path):
    source = private_cluster.create_database("backup_small", template=TEMPLATE_DB)
    backup = script("backup.sh", source, str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    archive = backup.stdout.strip().splitlines()[-1]

    refused = script("restore.sh", source, archive)

    assert refused.returncode == 3
    assert "already has" in refused.stderr
