"""The development provider's demo citizens and the portal's client registration (idempotent)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import get_application_model

from idp.models import Citizen

# (personal ID number, name, birth date, e-ID level); docs/integrations.md lists them.
DEMO_CITIZENS = [
    ("040195001234", "Nguyễn Thị Lan", datetime.date(1995, 3, 14), 2),  # mother of the demo birth notice
    ("040080004321", "Lê Văn Hùng", datetime.date(1980, 11, 2), 2),  # family of the demo death notice
    ("040093005678", "Trần Văn Bình", datetime.date(1993, 7, 21), 1),  # level 1: may only track
]


class Command(BaseCommand):
    help = "Create the demo citizens (username = personal ID number) and register the portal as a client."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", required=True, help="the demo citizens' password")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            help="the portal's callback (…/oidc/callback/); repeat for several",
        )
        parser.add_argument("--client-id", default="lien-thong")
        parser.add_argument("--client-secret", default="dev-secret")

    @transaction.atomic
    def handle(self, *args: Any, password: str, redirect_uri: list[str], client_id: str, client_secret: str, **_: Any):
        users = get_user_model()
        for personal_id, name, birthdate, level in DEMO_CITIZENS:
            user, _created = users.objects.get_or_create(username=personal_id)
            user.set_password(password)
            user.save()
            Citizen.objects.update_or_create(
                user=user,
                defaults={"personal_id": personal_id, "full_name": name, "birthdate": birthdate, "level": level},
            )
        application = get_application_model()
        application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "Liên thông",
                "client_secret": client_secret,  # hashed on save; RS256 tokens do not use it
                "client_type": application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": application.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": " ".join(redirect_uri or ["http://127.0.0.1:8000/oidc/callback/"]),
                "algorithm": application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
        for personal_id, name, _birthdate, level in DEMO_CITIZENS:
            self.stdout.write(f"  {personal_id}  {name}  (e-ID level {level})")
