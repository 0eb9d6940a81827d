"""WSGI entry point, served by gunicorn in the full stack and by runserver under `make run`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# With no broker, beat's periodic work runs in this serving process (see portal/beat.py).
# And the signing queue's tasks in a thread of their own, not in the request (portal/local_worker.py).
from portal.beat import local_beat_start  # noqa: E402  (needs the settings configured above)
from portal.local_worker import local_worker_start  # noqa: E402

local_beat_start()
local_worker_start()
