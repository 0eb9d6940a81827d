"""Create the demo accounts for a pilot ward (Phường Trường Vinh, 16690) and an ordinary commune
(Xã Anh Sơn, 17329): a clerk, an officer of the office that plays each role there today, the
head of the ward's civil-status office (its escalation ladder), provincial staff of Nghệ An, an
administrator and an integration client."""

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
# Every demo account is a person with a plausible Vietnamese name (family name first), so that
# pages, the API and the documents can be seen naming the person, not only the office. The
# integration client is a partner system, and is named as one.
DEMO_NAMES = {
    "clerk.16690": "Nguyễn Thị Thu Hà",
    "civil_status.16690": "Trần Văn Minh",
    "residence.16690": "Lê Quang Huy",
    "social_insurance.16690": "Phạm Thị Ngọc Anh",
    "merit.16690": "Hoàng Văn Đức",
    "social_protection.16690": "Võ Thị Mai",
    "emergency_aid.16690": "Đặng Quốc Bảo",
    "head.civil_status.16690": "Lê Thị Hồng Nhung",
    "clerk.17329": "Bùi Thị Hằng",
    "civil_status.17329": "Phan Văn Tùng",
    "residence.17329": "Ngô Đức Thắng",
    "social_insurance.17329": "Đỗ Thị Thanh Tâm",
    "merit.17329": "Hồ Sỹ Nam",
    "social_protection.17329": "Dương Thị Hương",
    "emergency_aid.17329": "Lý Văn Sơn",
    f"province.{DEMO_PROVINCE}": "Nguyễn Hữu Phước",
    "admin": "Vũ Đình Khang",
    "portal.integration": "Cổng Dịch vụ công quốc gia",
}


def demo_accounts() -> list[tuple[str, UserRole, str, dict[str, Any]]]:
    """(username, role, full name, attachment) of every demo account, as of today; the head of an
    office has `heads_workplace` in their attachment."""
    today = timezone.localdate()
    accounts: list[tuple[str, UserRole, dict[str, Any]]] = []
    for code in DEMO_COMMUNES:
        accounts.append((f"clerk.{code}", UserRole.CLERK, {"commune": unit_get_on(code=code, on=today)}))
        for role in AgencyRole:
            office = office_for_role(role=role, commune_code=code, on=today)
            accounts.append((f"{role.value}.{code}", UserRole.OFFICER, {"office": office}))
            if code == DEMO_COMMUNES[0] and role == AgencyRole.CIVIL_STATUS:
                head = {"office": office, "heads_workplace": True}
                accounts.append((f"head.{role.value}.{code}", UserRole.OFFICER, head))
    accounts += [
        (f"province.{DEMO_PROVINCE}", UserRole.PROVINCIAL, {"province": unit_get_on(code=DEMO_PROVINCE, on=today)}),
        ("admin", UserRole.ADMIN, {}),
        ("portal.integration", UserRole.INTEGRATION, {}),
    ]
    return [(username, role, DEMO_NAMES[username], attachment) for username, role, attachment in accounts]


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
            for username, role, full_name, attachment in accounts:
                user = user_upsert(
                    username=username,
                    password=str(options["password"]),
                    role=role,
                    full_name=full_name,
                    **attachment,
                )
                self.stdout.write(f"{user.username:28} {user.get_role_display()}: {user.display_name}")
