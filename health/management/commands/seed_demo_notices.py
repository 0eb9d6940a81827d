"""A demo health facility (Bệnh viện Sản Nhi Nghệ An, API client `benhvien-sannhi`) with a demo
certificate authority made on the spot, and two notices it signed, received through the same
service as the API: a birth certificate whose mother is the demo citizen Nguyễn Thị Lan, and a death
notice whose family contact is Lê Văn Hùng. Both live in Phường Bến Thủy's old code (16693), which
the merge mapping sends to today's Phường Trường Vinh. Does nothing when the facility exists."""

import datetime

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from agencies.choices import UserRole
from agencies.services import user_upsert
from health.models import HealthFacility
from health.pki import envelope, make_signer
from health.services import health_notice_receive

CODE, NAME, USERNAME = "40001", "Bệnh viện Sản Nhi Nghệ An", "benhvien-sannhi"
OLD_ADDRESS = {"MATINH_CU_TRU": "40", "MAHUYEN_CU_TRU": "412", "MAXA_CU_TRU": "16693"}


def demo_records(today: datetime.date) -> list[tuple[str, dict[str, str]]]:
    born = datetime.datetime.combine(today - datetime.timedelta(days=2), datetime.time(8, 35))
    died = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(21, 10))
    birth = {
        "MA_LK": "DEMO-LK-0001", "HO_TEN_NND": "Nguyễn Thị Lan", "NGAYSINH_NND": "19950501",
        "SO_CCCD_NND": "040195001234", "NOI_CU_TRU_NND": "Số 12, đường Nguyễn Du, phường Bến Thủy, TP Vinh",
        **OLD_ADDRESS, "HO_TEN_CHA": "Trần Văn Bình", "HO_TEN_CON": "", "GIOI_TINH_CON": "2", "SO_CON": "1",
        "LAN_SINH": "1", "SO_CON_SONG": "1", "CAN_NANG_CON": "3200", "NGAY_SINH_CON": f"{born:%Y%m%d%H%M}",
        "NOI_SINH_CON": NAME, "TINH_TRANG_CON": "Khỏe mạnh", "NGAY_CT": f"{born:%Y%m%d}", "SO": "GCS-2026-000123",
        "QUYEN_SO": "01/2026",
    }  # fmt: skip
    death = {
        "MA_LK": "DEMO-LK-0002", "HO_TEN": "Lê Văn Tư", "GIOI_TINH": "1", "NGAY_SINH": "19400302",
        "SO_CCCD": "040040001111", "NGAY_TU_VONG": f"{died:%Y%m%d%H%M}", "NOI_TU_VONG": NAME,
        "NGUYEN_NHAN": "Bệnh", "NOI_CU_TRU": "Số 9, phường Bến Thủy, TP Vinh", **OLD_ADDRESS,
        "HO_TEN_THAN_NHAN": "Lê Văn Hùng", "SO_CCCD_THAN_NHAN": "040080004321", "SO": "GBT-2026-000045",
        "QUYEN_SO": "01/2026", "NGAY_CT": f"{died:%Y%m%d}",
    }  # fmt: skip
    return [("birth", birth), ("death", death)]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True, help="the facility's API client password")

    def handle(self, *args: object, **options: object) -> None:
        if HealthFacility.objects.filter(code=CODE).exists():
            self.stdout.write("Demo hospital notices already there.")
            return
        password = str(options["password"])
        client = user_upsert(username=USERNAME, password=password, role=UserRole.HEALTH_FACILITY, full_name=NAME)
        signer = make_signer("Demo CA of the Nghệ An health department (NOT TRUSTED)", f"{NAME} (demo)")
        HealthFacility.objects.create(code=CODE, name=NAME, client=client, ca_pem=signer.ca_pem)
        for kind, record in demo_records(timezone.localdate()):
            body = signer.sign(envelope(CODE, kind, record))
            notice, _new = health_notice_receive(user=client, body=body, content_type="application/xml")
            self.stdout.write(f"{USERNAME:28} {notice} ({notice.commune})")
