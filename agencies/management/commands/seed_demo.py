"""Create the demo accounts for a pilot ward (Phường Trường Vinh, 16690) and an ordinary commune
(Xã Anh Sơn, 17329): a clerk, an officer of the office that plays each role there today,
provincial staff of Nghệ An, an administrator and an integration client."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agencies.choices import AgencyRole, UserRole
from agencies.selectors import office_for_role, unit_get_on
from agencies.services import user_upsert
from portal.errors import DomainError

DEMO_COMMUNES = ("16690", "17329")
DEMO_PROVINCE = "40"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True, help="password given to every demo account")

    def handle(self, *args: object, **options: object) -> None:
        password = str(options["password"])
        today = timezone.localdate()
        accounts = []
        try:
            for code in DEMO_COMMUNES:
                commune = unit_get_on(code=code, on=today)
                accounts.append(
                    user_upsert(
                        username=f"clerk.{code}",
                        password=password,
                        role=UserRole.CLERK,
                        display_name=f"Bộ phận một cửa {commune.name_in_sentence}",
                        commune=commune,
                    )
                )
                for role in AgencyRole:
                    office = office_for_role(role=role, commune_code=code, on=today)
                    accounts.append(
                        user_upsert(
                            username=f"{role.value}.{code}",
                            password=password,
                            role=UserRole.OFFICER,
                            display_name=office.name,
                            office=office,
                        )
                    )
            province = unit_get_on(code=DEMO_PROVINCE, on=today)
            accounts.append(
                user_upsert(
                    username=f"province.{DEMO_PROVINCE}",
                    password=password,
                    role=UserRole.PROVINCIAL,
                    display_name=f"Văn phòng UBND {province.name_in_sentence}",
                    province=province,
                )
            )
        except DomainError as error:
            raise CommandError(f"{error} Run 'manage.py load_reference_data' first.") from None
        accounts.append(
            user_upsert(username="admin", password=password, role=UserRole.ADMIN, display_name="Quản trị hệ thống")
        )
        accounts.append(
            user_upsert(
                username="portal.integration",
                password=password,
                role=UserRole.INTEGRATION,
                display_name="Cổng Dịch vụ công (tích hợp)",
            )
        )
        for user in accounts:
            self.stdout.write(f"{user.username:28} {user.get_role_display()}: {user.first_name}")
