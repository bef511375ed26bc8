"""A database write failing in the middle of an import leaves nothing behind: no staff, units,
records, history rows or audit entries. The failure is a real one, raised by the database
itself (a trigger) on a row part-way through the write, on SQLite and on PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from io import BytesIO

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import AuditEntry
from evaluations.ledger import records_import
from evaluations.models import Record
from staff.models import Certificate, Position, Staff, Unit
from staff.services import staff_import
from tests.schemes import import_template
from tests.workbooks import records_workbook, xlsx_bytes

pytestmark = [pytest.mark.trust, pytest.mark.django_db(transaction=True)]

STAFF_HEADERS = ["工号", "姓名", "部门", "岗位", "入职日期", "证书", "负责人"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@contextmanager
def failing_insert(table: str, when: str):
    """The database refuses inserts into ``table`` of rows matching ``when`` (SQL over NEW)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION trust_fail() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'simulated write failure'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER trust_fail BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION trust_fail()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER trust_fail BEFORE INSERT ON {table} WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER trust_fail ON {table}")
                cursor.execute("DROP FUNCTION trust_fail()")
            else:
                cursor.execute("DROP TRIGGER trust_fail")


def counts() -> dict[str, int]:
    return {
        "staff": Staff.objects.count(),
        "staff history": Staff.history.count(),
        "units": Unit.objects.count(),
        "positions": Position.objects.count(),
        "certificates": Certificate.objects.count(),
        "records": Record.objects.count(),
        "record history": Record.history.count(),
        "audit": AuditEntry.objects.count(),
    }


def staff_workbook(n: int) -> bytes:
    rows = [
        [f"E{i:04d}", f"员工{i}", f"新区/班组{i % 3}", "保洁员", date(2024, 1, 1), "上岗证", None]
        for i in range(1, n + 1)
    ]
    return xlsx_bytes("员工", STAFF_HEADERS, rows)


@pytest.mark.parametrize(
    ("table", "when"),
    [
        ("staff_staff", "NEW.employee_no = 'E0007'"),  # the 7th person of 10
        ("staff_historicalstaff", "NEW.employee_no = 'E0010'"),  # the last one's history
        ("audit_auditentry", "NEW.action = 'staff.imported'"),  # the very last write
    ],
    ids=["staff-row", "history-row", "audit-entry"],
)
def test_staff_import_failing_mid_write_leaves_nothing(table, when):
    before = counts()
    with (
        failing_insert(table, when),
        CaptureQueriesContext(connection) as queries,
        pytest.raises(DatabaseError),
    ):
        staff_import(source=BytesIO(staff_workbook(10)))

    inserted = [q for q in queries if q["sql"].startswith('INSERT INTO "staff_staff"')]
    assert len(inserted) >= 7  # the failure came part-way through the write
    assert counts() == before


@pytest.fixture
def clerks(db):
    import_template("property-weekly-stars")
    result = staff_import(
        source=BytesIO(
            xlsx_bytes(
                "员工",
                STAFF_HEADERS,
                [
                    [f"C{i:03d}", f"客服{i}", "客服部", "客服员", date(2024, 1, 1), None, None]
                    for i in range(1, 6)
                ],
            )
        )
    )
    assert result.ok, result.problems


@pytest.mark.parametrize(
    ("table", "when"),
    [
        ("evaluations_historicalrecord", "NEW.note = 'row 25'"),  # records written, history not
        ("audit_auditentry", "NEW.action = 'records.imported'"),
    ],
    ids=["history-row", "audit-entry"],
)
def test_records_import_failing_mid_write_leaves_nothing(clerks, table, when):
    rows = [
        {
            "日期": date(2026, 11, 16),
            "工号": f"C{(i % 5) + 1:03d}",
            "类型": "警告",
            "编码": "PATROL-LATE",
            "数值": 1,
            "备注": f"row {i}",
        }
        for i in range(1, 31)
    ]
    before = counts()

    with failing_insert(table, when), pytest.raises(DatabaseError):
        records_import(source=records_workbook(rows))

    assert counts() == before
    # The same file imports completely once the database is healthy again.
    result = records_import(source=records_workbook(rows))
    assert (result.ok, result.created) == (True, 30)
