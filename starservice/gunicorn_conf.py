"""gunicorn settings for production:

    gunicorn starservice.wsgi -c python:starservice.gunicorn_conf

The access log keeps no personal data: no client address and no query string (searches by
name or phone number travel in query strings); the path, status, size and duration only."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# Uploads (workbooks, photos) are refused above UPLOAD_MAX_BYTES by Django; these only bound
# header abuse.
limit_request_line = 8190
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
