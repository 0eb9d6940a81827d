"""Create the benchmark's API clients and print their tokens as JSON: an integration client that
files dossiers, and the officer of the civil-status office of Phường Trường Vinh (16690)."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from agencies.choices import AgencyRole, UserRole  # noqa: E402
from agencies.selectors import office_for_role  # noqa: E402
from agencies.services import user_upsert  # noqa: E402

filer = user_upsert(username="bench.integration", password="bench-only", role=UserRole.INTEGRATION)
office = office_for_role(role=AgencyRole.CIVIL_STATUS, commune_code="16690", on=timezone.localdate())
officer = user_upsert(username="bench.officer", password="bench-only", role=UserRole.OFFICER, office=office)
print(json.dumps({user.username: Token.objects.get_or_create(user=user)[0].key for user in (filer, officer)}))
