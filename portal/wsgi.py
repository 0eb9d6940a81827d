"""WSGI entry point, served by gunicorn in the full stack and by runserver under `make run`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# With no broker, beat's periodic work runs in this serving process (see portal/beat.py).
from portal.beat import local_beat_start  # noqa: E402  (needs the settings configured above)

local_beat_start()
