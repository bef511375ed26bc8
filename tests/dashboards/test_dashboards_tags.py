"""Markup written in Python for speed: the filters' option lists and the leaderboard's
rows, escaped, as the template loops they replace made them."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from dashboards.selectors import BoardRow, Person
from dashboards.templatetags.dashboards_tags import leaderboard_rows, select_options


def test_options_escape_labels_and_mark_the_selected_one():
    html = select_options([(1, "总部/客服部"), (2, '<b>"A&B"</b>')], 2)

    assert html == (
        '<option value="1">总部/客服部</option>'
        '<option value="2" selected>&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;</option>'
    )


def test_options_match_the_template_loop_they_replace():
    choices = [(7, "一支行"), (8, "一支行/营业室 & <柜台>"), (9, "二支行")]
    loop = Template(
        '{% for pk, path in units %}<option value="{{ pk }}"{% if pk == unit_id %} selected'
        "{% endif %}>{{ path }}</option>{% endfor %}"
    )
    tag = Template("{% load dashboards_tags %}{% select_options units unit_id %}")

    for selected in (None, 8):
        context = {"units": choices, "unit_id": selected}
        assert tag.render(Context(context)) == loop.render(Context(context))


# The leaderboard's row markup as the template wrote it before ``leaderboard_rows``.
ROWS_LOOP = (Path(__file__).parent / "leaderboard_rows_loop.html").read_text()


def _board_rows() -> list[BoardRow]:
    def result(staff_id, rank, score, **extra):
        return {
            "staff_id": staff_id,
            "rank": rank,
            "score": score,
            "parts": extra.pop("parts", {}),
            "grade": extra.pop("grade", ""),
            "award": extra.pop("award", None),
            "promotion": extra.pop("promotion", None),
            "veto": extra.pop("veto", []),
            "ineligible": extra.pop("ineligible", []),
            "flags": extra.pop("flags", []),
        }

    return [
        BoardRow(
            result(1, 1, "5.50", parts={"red": "6.00", "green": "0.50"}, award="本周之星"),
            Person(1, "A001", '<script>alert("x")</script>', "星辰物业/工程部", "水电工"),
        ),
        BoardRow(
            result(
                2,
                2,
                "88.00",
                grade="良好",
                promotion={"title": "月度明星", "prize": "100"},
                veto=[{"rule": "有责投诉", "record_ids": [3]}],
                ineligible=["入职未满1年"],
                flags=["缺数据", "无评价"],
            ),
            Person(2, "A&002", "李四", "星辰物业/客服部 & <前台>", "客服员"),
        ),
    ]


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).replace("> <", "><").strip()


@pytest.mark.parametrize("grades", [[{"name": "良好", "min": 80}], []])
def test_leaderboard_rows_match_the_template_loop_they_replace(grades):
    rows = _board_rows()
    with translation.override("zh-hans"):
        loop = Template(ROWS_LOOP).render(Context({"rows": rows, "grades": grades}))
        tag = leaderboard_rows(rows, grades)

    assert _squeezed(tag) == _squeezed(loop)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in tag and "<script>" not in tag
    assert 'title="红星"' in tag and "一票否决" in tag
    assert ("<td>良好</td>" in tag) == bool(grades)
