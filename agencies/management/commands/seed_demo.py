"""Create the demo accounts for a pilot ward (Phường Trường Vinh, 16690) and an ordinary commune
(Xã Anh Sơn, 17329): a clerk, an officer of the office that plays each role there today,
provincial staff of Nghệ An, an administrator and an integration client."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from agencies.choices import AgencyRole, UserRole
from agencies.selectors import office_for_role, unit_get_on
from agencies.services import user_upsert
from portal.errors import DomainError

DEMO_COMMUNES = ("16690", "17329")
DEMO_PROVINCE = "40"


def demo_accounts() -> list[tuple[str, UserRole, str, dict[str, Any]]]:
    """(username, role, display name, attachment) of every demo account, as of today."""
    today = timezone.localdate()
    accounts: list[tuple[str, UserRole, str, dict[str, Any]]] = []
    for code in DEMO_COMMUNES:
        commune = unit_get_on(code=code, on=today)
        accounts.append(
            (f"clerk.{code}", UserRole.CLERK, f"Bộ phận một cửa {commune.name_in_sentence}", {"commune": commune})
        )
        for role in AgencyRole:
            office = office_for_role(role=role, commune_code=code, on=today)
            accounts.append((f"{role.value}.{code}", UserRole.OFFICER, office.name, {"office": office}))
    province = unit_get_on(code=DEMO_PROVINCE, on=today)
    accounts += [
        (
            f"province.{DEMO_PROVINCE}",
            UserRole.PROVINCIAL,
            f"Văn phòng UBND {province.name_in_sentence}",
            {"province": province},
        ),
        ("admin", UserRole.ADMIN, "Quản trị hệ thống", {}),
        ("portal.integration", UserRole.INTEGRATION, "Cổng Dịch vụ công (tích hợp)", {}),
    ]
    return accounts


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True, help="password given to every demo account")

    def handle(self, *args: object, **options: object) -> None:
        try:
            accounts = demo_accounts()
        except DomainError as error:
            raise CommandError(f"{error} Run 'manage.py load_reference_data' first.") from None
        with transaction.atomic():
            for username, role, display_name, attachment in accounts:
                user = user_upsert(
                    username=username,
                    password=str(options["password"]),
                    role=role,
                    display_name=display_name,
                    **attachment,
                )
                self.stdout.write(f"{user.username:28} {user.get_role_display()}: {user.first_name}")
