import os
import time
from pathlib import Path

from django.apps import AppConfig


def pause_inside_close(sender, *, snapshot, **kwargs) -> None:
    """PROBE_DIR: where to leave a ``closing-<pid>`` file; PROBE_SLEEP: seconds to hold the
    lock; with PROBE_SLEEP_ONCE only the first close across all processes sleeps."""
    directory = os.environ.get("PROBE_DIR")
    if not directory:
        return
    seconds = float(os.environ.get("PROBE_SLEEP", "0"))
    if os.environ.get("PROBE_SLEEP_ONCE"):
        try:
            os.close(os.open(Path(directory, "slept"), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            seconds = 0
    Path(directory, f"closing-{os.getpid()}").touch()
    time.sleep(seconds)


class ProbeConfig(AppConfig):
    name = "tests.celery.probe"
    label = "celery_probe"

    def ready(self) -> None:
        from scoring.signals import period_closed

        period_closed.connect(pause_inside_close, dispatch_uid="celery_probe.pause")
