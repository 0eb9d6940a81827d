"""gunicorn's settings for the portal, used by the Dockerfile and docker-compose.yml:
`gunicorn -c gunicorn.conf.py portal.wsgi:application`. Each can be overridden on the command line.

gunicorn bounds the request line and the headers; the body is bounded by the portal itself
(MAX_REQUEST_BYTES in portal/settings.py: 413 before it is read) and should be by the proxy in
front (nginx: client_max_body_size 45m). Put a buffering proxy in front: a sync worker reading a
45 MB upload from a slow line would otherwise be held for the whole upload.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

# The request line ("POST /api/v1/bundles/?… HTTP/1.1"): the portal's longest, a report's
# filters, is a few hundred bytes. Longer: 414.
limit_request_line = 4094
# Headers per request: a browser sends about 20. More: 431.
limit_request_fields = 50
# Bytes in one header: the cookies (session, CSRF, language) are a few hundred. Longer: 431.
limit_request_field_size = 8190

# A worker silent this long is killed and replaced: the slowest page (a report as PDF) takes
# seconds, not minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

accesslog = "-"
