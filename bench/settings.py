"""Settings for the benchmark: the app's own settings plus the bare baseline page.

Only ``python -m bench`` (and the gunicorn it starts) uses this module; the production
URLs never contain the bench route."""

from starservice.settings import *  # noqa: F403
from starservice.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
# Measured as deployed: no debug toolbar-ish overhead, no SQL log growing in memory.
DEBUG = False
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
# No Celery worker runs during the bench: ledger changes must not queue refresh tasks.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
