"""Create the benchmark's users and print how each signs in, as JSON: the API tokens of an
integration client that files dossiers and of the officer of the civil-status office of Phường
Trường Vinh (16690) and of Nghệ An's provincial staff, and browser sessions for that officer, the
commune's one-stop clerk and the provincial staff."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from agencies.choices import AgencyRole, UserRole  # noqa: E402
from agencies.selectors import office_for_role, unit_get_on  # noqa: E402
from agencies.services import user_upsert  # noqa: E402

filer = user_upsert(username="bench.integration", password="bench-only", role=UserRole.INTEGRATION)
office = office_for_role(role=AgencyRole.CIVIL_STATUS, commune_code="16690", on=timezone.localdate())
officer = user_upsert(username="bench.officer", password="bench-only", role=UserRole.OFFICER, office=office)
commune = unit_get_on(code="16690", on=timezone.localdate())
clerk = user_upsert(username="bench.clerk", password="bench-only", role=UserRole.CLERK, commune=commune)
nghe_an = unit_get_on(code="40", on=timezone.localdate())
staff = user_upsert(username="bench.province", password="bench-only", role=UserRole.PROVINCIAL, province=nghe_an)


def session(user):  # what logging in stores, without the password hashing
    store = SessionStore()
    store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                  HASH_SESSION_KEY: user.get_session_auth_hash()})  # fmt: skip
    store.create()
    return store.session_key


signs_in = {user.username: Token.objects.get_or_create(user=user)[0].key for user in (filer, officer, staff)}
signs_in |= {f"{user.username}.session": session(user) for user in (officer, clerk, staff)}
print(json.dumps(signs_in))
