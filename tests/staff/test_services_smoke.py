import pytest

from staff.services import name_initials, unit_get_or_create_path


def test_name_initials_are_pinyin_first_letters():
    assert name_initials("张小明") == "zxm"


@pytest.mark.django_db
def test_unit_path_creates_missing_ancestors():
    unit = unit_get_or_create_path(path="新区管理部/保洁班")
    assert unit.depth == 2
    assert unit.parent.path == "新区管理部"
    assert unit_get_or_create_path(path="新区管理部 / 保洁班").pk == unit.pk
