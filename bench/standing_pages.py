"""My standing and the leaderboard for one unit of 200 staff, on a fresh SQLite database,
timed with django.test.Client next to a bare page (the password form) in the same run.

    .venv/bin/python -m bench.standing_pages [--staff 200] [--runs 30]

Prints the median and 90th percentile of each page, cold (first request, standings computed)
and warm (standings cached until the ledger changes). Nothing here touches the app's own
database: the run lives in a temporary directory."""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pass-123"


def configure(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.pop("REDIS_URL", None)  # local-memory cache, tasks eager
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "starservice.settings",
            "DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
            "MEDIA_ROOT": f"{directory}/media",
            "DJANGO_DEBUG": "false",  # as deployed: no SQL log kept in memory
            "SECRET_KEY": secrets.token_urlsafe(64),
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(staff: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.roles import HR_GROUP
    from evaluations.ledger import RecordDraft, records_bulk_create
    from evaluations.models import Scheme
    from evaluations.services import scheme_import
    from scoring.engine.periods import period_for_date
    from scoring.services import period_close
    from staff.models import Position, Staff
    from staff.services import unit_get_or_create_path, unit_set_head

    templates = ROOT / "evaluations" / "scheme_templates"
    for code in ("property-weekly-stars", "property-monthly-quality"):
        scheme_import(yaml_text=(templates / f"{code}.yaml").read_text(encoding="utf-8"))
    unit = unit_get_or_create_path(path="星辰物业/客服部/前台班")
    clerk, _ = Position.objects.get_or_create(name="客服员")
    hired = timezone.localdate() - timedelta(days=800)
    people = Staff.objects.bulk_create(
        Staff(employee_no=f"B{n:04d}", name=f"员工{n}", unit=unit, position=clerk, hire_date=hired)
        for n in range(staff)
    )
    users = get_user_model()
    member, head = people[0], people[1]
    member.user = users.objects.create_user("member", password=PASSWORD)
    member.save(update_fields=["user"])
    head.user = users.objects.create_user("head", password=PASSWORD)
    head.save(update_fields=["user"])
    unit_set_head(unit=unit, head=head)
    hr = users.objects.create_user("hr", password=PASSWORD)
    hr.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])

    today = timezone.localdate()
    rng = random.Random(2026)
    drafts = []
    days = [today - timedelta(days=offset) for offset in range(35)]
    for person in people:
        for day in days:
            if rng.random() < 0.05:
                code = rng.choice(["PATROL-LATE", "PATROL-DRESS", "PATROL-POST"])
                drafts.append(
                    RecordDraft(person.pk, day, "warning", code, inspector_name="值班经理")
                )
            if rng.random() < 0.03:
                code = rng.choice(["CLEAN-01", "ATT-01", "DIS-01", "GREEN-01"])
                drafts.append(
                    RecordDraft(person.pk, day, "deduction", code, inspector_name="周检查")
                )
            if rng.random() < 0.4:
                value = Decimal(rng.randint(0, 6))
                drafts.append(RecordDraft(person.pk, day, "metric", "free_card_signups", value))
            if rng.random() < 0.2:
                drafts.append(RecordDraft(person.pk, day, "rating", "满意", Decimal(2)))
    records_bulk_create(drafts=drafts)
    stars = Scheme.objects.get(code="property-weekly-stars")
    week = period_for_date("weekly", today)
    for back in range(1, 5):
        period_close(
            scheme=stars, key=period_for_date("weekly", week.start - timedelta(weeks=back)).key
        )
    return {"staff": staff, "records": len(drafts)}


def timed(client, url: str, runs: int) -> tuple[float, list[float]]:
    """(cold ms, warm ms per run)."""
    from django.core.cache import cache

    cache.clear()  # the first request computes the standings
    began = time.perf_counter()
    response = client.get(url)
    cold = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (url, response.status_code)
    warm = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        warm.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="starservice-bench-") as directory:
        configure(directory)
        facts = seed(args.staff)
        from django.test import Client

        pages = [
            ("bare page (password form)", "member", "/password/"),
            ("My standing", "member", "/me/"),
            ("My standing: weekly stars detail", "member", "/me/property-weekly-stars/"),
            ("leaderboard (HR, weekly stars)", "hr", "/leaderboard/?scheme=property-weekly-stars"),
            ("leaderboard (HR, monthly)", "hr", "/leaderboard/?scheme=property-monthly-quality"),
            ("leaderboard (unit head)", "head", "/leaderboard/?scheme=property-weekly-stars"),
        ]
        print(
            f"SQLite, one unit of {facts['staff']} staff, {facts['records']} records, "
            f"{args.runs} warm runs per page (ms)"
        )
        print(f"{'page':<36} {'cold':>8} {'median':>8} {'p90':>8}")
        for label, username, url in pages:
            client = Client()
            client.login(username=username, password=PASSWORD)
            cold, warm = timed(client, url, args.runs)
            p90 = statistics.quantiles(warm, n=10)[-1]
            print(f"{label:<36} {cold:8.1f} {statistics.median(warm):8.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
