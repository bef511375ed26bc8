"""manage.py import_staff FILE.xlsx: exit 0 and a summary, or non-zero and every problem."""

from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from staff.management.commands.import_staff import Command
from staff.models import Staff
from tests.staff.workbooks import save_staff_workbook, staff_row

pytestmark = pytest.mark.django_db


def run_command(path) -> int:
    """Run the command as manage.py does and return its exit status. run_from_argv closes
    every DB connection when it ends, which would end the test's transaction on PostgreSQL."""
    try:
        with mock.patch("django.core.management.base.connections.close_all"):
            Command().run_from_argv(["manage.py", "import_staff", str(path)])
    except SystemExit as exit:
        return exit.code
    return 0


def test_success_exits_zero_with_a_summary(org, tmp_path, capsys):
    path = save_staff_workbook(
        tmp_path / "staff.xlsx", [staff_row(工号="A0001"), staff_row(工号="A0002")]
    )
    assert run_command(path) == 0
    assert f"已导入 {path}：新增 2 人，更新 0 人。" in capsys.readouterr().out
    assert Staff.objects.count() == 2

    assert run_command(path) == 0
    assert "新增 0 人，更新 2 人" in capsys.readouterr().out
    assert Staff.objects.count() == 2


def test_bad_input_exits_non_zero_with_every_problem_on_stderr(org, tmp_path, capsys):
    path = save_staff_workbook(
        tmp_path / "staff.xlsx",
        [staff_row(工号="A0001", 姓名=None), staff_row(工号="A0002", 状态="退休")],
    )
    assert run_command(path) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "row 2, column 姓名: 必填\n" in captured.err
    assert "row 3, column 状态: 须为 在职 或 离职，而不是 退休\n" in captured.err
    assert "共 2 个问题，未导入任何数据。" in captured.err
    assert Staff.objects.count() == 0


def test_missing_file_is_a_command_error(org, tmp_path):
    with pytest.raises(CommandError, match="共 1 个问题"):
        call_command("import_staff", str(tmp_path / "missing.xlsx"))
