"""A demo certificate authority (signing.demo_pki) with a signing certificate for every demo body
and person that issues documents: the People's Committees of the demo communes and province, the
demo offices, the demo clerks, officers and provincial staff. Their PKCS#12 files go to
SIGNING_KEY_DIR, the demo root to SIGNING_TRUST_DIR, and each key is registered, marked demo.
`make run` then serves the authority (OCSP, CRLs, timestamps) with certomancer on --port.

DEBUG only: every certificate says DEMO, and nothing it signs is trusted outside the demo.
Does nothing when the demo authority exists (--fresh makes a new one and retires the old keys)."""

import re
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, Office, User
from signing.demo_pki import Pki, write_pki
from signing.models import SigningKey
from signing.services import signing_key_register

DEMO = "DEMO - không tin cậy"


def demo_folder() -> Path:
    return Path(settings.SIGNING_KEY_DIR).parent / "demo-pki"


def _label(prefix: str, name: str) -> str:
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


class Command(BaseCommand):
    help = "Create the demo certificate authority and a demo signing key for every demo office and person."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8002, help="where make run serves the authority")
        parser.add_argument("--fresh", action="store_true", help="a new authority; the old demo keys retire")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_pki makes demo certificates: DEBUG only.")
        folder = demo_folder()
        if (folder / "certomancer.yml").exists() and not options["fresh"]:
            self.stdout.write(f"Demo certificate authority already in {folder}.")
            return
        holders = self._holders()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_pki(
            folder,
            int(str(options["port"])),
            {label: f"{name} ({DEMO})" for label, (name, _holder) in holders.items()},
            organisation=DEMO,
        )
        pki = Pki(folder, int(str(options["port"])))
        key_dir = Path(settings.SIGNING_KEY_DIR)
        trust_dir = Path(settings.SIGNING_TRUST_DIR)
        trust_dir.mkdir(parents=True, exist_ok=True)
        (trust_dir / "demo-root.pem").write_bytes(pki.root_pem())
        with transaction.atomic():
            SigningKey.objects.filter(demo=True).update(active=False)
            for label, (_name, holder) in holders.items():
                pki.pkcs12(label, settings.SIGNING_PKCS12_PASSPHRASE, key_dir / f"demo-{label}.p12")
                signing_key_register(reference=f"demo-{label}.p12", demo=True, **holder)
        self.stdout.write(
            f"Demo certificate authority in {folder}: {len(holders)} signing keys, root in "
            f"{trust_dir / 'demo-root.pem'} (trust it in a PDF reader to see the signatures valid)."
        )

    def _holders(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """label → (common name, holder) of every demo signer."""
        holders: dict[str, tuple[str, dict[str, Any]]] = {}
        people = User.objects.filter(role__in=[UserRole.CLERK, UserRole.OFFICER, UserRole.PROVINCIAL])
        units = AdministrativeUnit.objects.filter(
            pk__in=[*people.values_list("commune", flat=True), *people.values_list("province", flat=True)]
        )
        for unit in units:
            holders[_label("unit", unit.code)] = (unit.people_committee, {"unit": unit})
        for office in Office.objects.filter(pk__in=people.values_list("office", flat=True)):
            holders[_label("office", str(office.pk))] = (office.name, {"office": office})
        for person in people.order_by("username"):
            holders[_label("user", person.username)] = (person.get_full_name() or person.username, {"user": person})
        return holders
