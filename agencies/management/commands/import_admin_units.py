"""Import one file of administrative units, or one old → new mapping file, for a period."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.services import ImportRejected, reference_file_import


class Command(BaseCommand):
    help = (
        "Import a CSV of administrative units (code,name,type,level,parent_code) valid from --valid-from "
        "to --valid-to, or a mapping file (new_code,...,old_code,...) of a reorganisation effective on "
        "--valid-from. A file with any bad row is rejected whole, each problem named with its line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--valid-from", type=datetime.date.fromisoformat, required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--valid-to", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD; open-ended if omitted"
        )

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        try:
            count = reference_file_import(
                path=path,
                valid_from=options["valid_from"],  # type: ignore[arg-type]
                valid_to=options["valid_to"],  # type: ignore[arg-type]
            )
        except ImportRejected as rejected:
            raise CommandError("\n".join(rejected.messages)) from None
        self.stdout.write(f"{path.name}: {count}")
