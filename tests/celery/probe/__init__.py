"""A test-only Django app installed in the worker subprocesses of tests/celery: it reports,
and on request pauses, inside period_close's transaction (snapshot and notice written, not
committed, the Period row locked), so a test can race or kill a worker at that moment."""
