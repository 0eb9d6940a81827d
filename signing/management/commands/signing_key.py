"""Register a signing key of the configured key store for its holder: the People's Committee of a
commune or province (its unit code), an office (its id in the administration) or a person (their
user name). The certificate is read from the key store, so a key that cannot be opened, or a
credential the remote service does not know, is refused here rather than when a document waits.

    manage.py signing_key ubnd-truong-vinh.p12 --unit 16690          (SIGNING_KEY_STORE=pkcs12)
    manage.py signing_key 0f3c7a2e-credential --user civil_status.16690   (SIGNING_KEY_STORE=csc)

The older keys of the same holder stay registered; switch them off in the administration."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agencies.models import Office, User
from agencies.selectors import unit_get_on
from portal.errors import NotFound
from signing.keys import KeyUnavailable
from signing.services import signing_key_register


class Command(BaseCommand):
    help = "Register a signing key (a PKCS#12 file name, a token key label or a CSC credential id) for its holder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="the key in the key store SIGNING_KEY_STORE names")
        holder = parser.add_mutually_exclusive_group(required=True)
        holder.add_argument("--unit", help="the code of the commune or province whose People's Committee signs")
        holder.add_argument("--office", type=int, help="the id of the office that signs")
        holder.add_argument("--user", help="the user name of the person who signs")

    def handle(self, *args: object, **options: object) -> None:
        holder: dict[str, Any]
        try:
            if options["unit"]:
                holder = {"unit": unit_get_on(code=str(options["unit"]), on=timezone.localdate())}
            elif options["office"]:
                holder = {"office": Office.objects.get(pk=int(str(options["office"])))}
            else:
                holder = {"user": User.objects.get(username=options["user"])}
        except (Office.DoesNotExist, User.DoesNotExist, NotFound) as missing:
            raise CommandError(f"No such holder: {missing}") from None
        try:
            key = signing_key_register(reference=str(options["reference"]), **holder)
        except KeyUnavailable as error:
            raise CommandError(f"The key cannot be used: {error}") from None
        self.stdout.write(f"Registered: {key.subject}, valid until {key.not_after:%d/%m/%Y}.")
