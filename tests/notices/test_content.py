from notices.content import rows_diff


def row(staff_id, **fields):
    base = {
        "staff_id": staff_id,
        "employee_no": f"E{staff_id}",
        "name": f"员工{staff_id}",
        "score": "3",
        "rank": 1,
        "grade": "",
        "award": "",
        "promotion": "",
    }
    return base | fields


def test_unchanged_rows_give_no_diff():
    rows = [row(1), row(2, rank=2)]
    assert rows_diff(rows, [dict(r) for r in rows]) == []


def test_changed_fields_only_with_old_and_new():
    old = [row(1, award="本周服务之星"), row(2, score="-1", rank=2)]
    new = [row(1, award="本周服务之星"), row(2, score="3", rank=1, award="本周服务之星")]
    assert rows_diff(old, new) == [
        {
            "staff_id": 2,
            "employee_no": "E2",
            "name": "员工2",
            "changes": {
                "score": {"old": "-1", "new": "3"},
                "rank": {"old": 2, "new": 1},
                "award": {"old": "", "new": "本周服务之星"},
            },
        }
    ]


def test_people_who_join_or_leave_show_none_on_the_missing_side():
    diff = rows_diff([row(1), row(2)], [row(1), row(3)])
    assert [d["staff_id"] for d in diff] == [3, 2]
    assert diff[0]["changes"]["score"] == {"old": None, "new": "3"}
    assert diff[1]["changes"]["rank"] == {"old": 1, "new": None}
