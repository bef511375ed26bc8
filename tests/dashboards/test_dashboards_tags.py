"""The filters' option lists: escaped, the chosen one selected, as a template loop made them."""

from django.template import Context, Template

from dashboards.templatetags.dashboards_tags import select_options


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
