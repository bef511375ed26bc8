"""Create the Celery beat schedules (django-celery-beat) HR can then adjust in the admin.

Idempotent: a schedule that exists is kept as it is (HR may have moved it); only missing
ones are created. ``--reset`` puts every schedule back to its default time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask


@dataclass(frozen=True)
class Schedule:
    task: str
    description: str
    minute: str
    hour: str
    day_of_week: str = "*"


def default_schedules(weekly_at: tuple[str, str]) -> list[Schedule]:
    hour, minute = weekly_at
    return [
        Schedule(
            "scoring.settle_weekly",
            "Weekly settlement (每周日结算): close every weekly period ending that day.",
            minute,
            hour,
            day_of_week="0",
        ),
        Schedule(
            "scoring.close_ended",
            "Nightly: close monthly, quarterly, half-yearly and yearly periods that ended.",
            "30",
            "0",
        ),
        Schedule(
            "notices.finalize_due",
            "Nightly: notices whose objection window is over become final; awards issued.",
            "15",
            "0",
        ),
        Schedule(
            "scoring.catch_up",
            "Daily catch-up: close periods missed while beat or Redis was down; refresh "
            "provisional standings.",
            "0",
            "6",
        ),
        Schedule(
            "complaints.notify_overdue",
            "Hourly: tell assignees (or HR) about complaints past their step's deadline.",
            "20",
            "*",
        ),
        Schedule(
            "notifications.email_pending",
            "Hourly catch-up: send notification e-mails that were never enqueued.",
            "5",
            "*",
        ),
    ]


def _time(text: str) -> tuple[str, str]:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise CommandError(f"--weekly-at {text!r}: expected HH:MM, e.g. 23:30")
    return str(int(match.group(1))), str(int(match.group(2)))


class Command(BaseCommand):
    help = "Create the Celery beat schedules (idempotent; existing ones are kept)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--weekly-at",
            default="23:30",
            help="time of the Sunday weekly settlement, HH:MM in TIME_ZONE (default 23:30)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="put existing schedules back to the defaults"
        )

    @transaction.atomic
    def handle(self, *args, weekly_at: str, reset: bool, **options):
        for schedule in default_schedules(_time(weekly_at)):
            crontab, _created = CrontabSchedule.objects.get_or_create(
                minute=schedule.minute,
                hour=schedule.hour,
                day_of_week=schedule.day_of_week,
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            task = PeriodicTask.objects.filter(name=schedule.task).first()
            if task is None:
                PeriodicTask.objects.create(
                    name=schedule.task,
                    task=schedule.task,
                    crontab=crontab,
                    description=schedule.description,
                )
                state = "created"
            elif reset:
                task.task = schedule.task
                task.crontab = crontab
                task.interval = task.solar = task.clocked = None
                task.enabled = True
                task.save()
                state = "reset"
            else:
                state = "kept"
            self.stdout.write(f"{state}: {schedule.task} ({crontab})")
