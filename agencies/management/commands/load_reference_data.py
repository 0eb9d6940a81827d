"""Load the reference data the portal ships with: administrative units of Nghệ An and Hà Tĩnh in
their three periods, the 2025 merge mapping, the offices and jurisdictions of both agency
structures, the contacts of the communes' one-stop desks, and the procedures, bundle variants,
limits, rates and calendar changes of the case engine and the reports' targets (each app's own
rows, from the loaders it registers in REFERENCE_LOADERS). Safe to run again: it updates units in
place and only adds what is missing."""

import csv
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.services import (
    REFERENCE_LOADERS,
    ImportRejected,
    agencies_seed,
    desk_contacts_seed,
    reference_file_import,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "admin_units"


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: object, **options: object) -> None:
        with (DATA / "periods.csv").open(encoding="utf-8") as handle:
            periods = list(csv.DictReader(handle))
        try:
            for period in periods:
                path = DATA / period["file"]
                valid_from = datetime.date.fromisoformat(period["valid_from"])
                valid_to = datetime.date.fromisoformat(period["valid_to"]) if period["valid_to"] else None
                count = reference_file_import(path=path, valid_from=valid_from, valid_to=valid_to)
                if options["verbosity"]:
                    self.stdout.write(f"{path.name}: {count}")
            for province in sorted({period["province"] for period in periods}):
                added = agencies_seed(province_code=province)
                if options["verbosity"]:
                    self.stdout.write(f"jurisdictions added for province {province}: {added}")
            desk_contacts_seed()
            for load in REFERENCE_LOADERS:  # the apps above: the engine's rows, the reports' targets
                load()
        except ImportRejected as rejected:
            raise CommandError("\n".join(rejected.messages)) from None
