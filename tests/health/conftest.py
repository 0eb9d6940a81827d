"""A health facility registered with a throwaway CA made here, and notices it signs."""

import datetime
import json

import pytest

from agencies.choices import UserRole
from health.models import HealthFacility
from health.pki import envelope, make_signer
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration  # noqa: F401

CODE = "40001"
LAN, HUNG = "040195001234", "040080004321"
BORN = datetime.datetime(2026, 11, 30, 8, 35)
BIRTH = {
    "MA_LK": "LK-0001", "MA_BHXH_NND": "", "HO_TEN_NND": "Nguyễn Thị Lan", "NGAYSINH_NND": "19950501",
    "SO_CCCD_NND": LAN, "NOI_CU_TRU_NND": "Số 12, đường Nguyễn Du, phường Bến Thủy", "MA_QUOCTICH": "000",
    "MATINH_CU_TRU": "40", "MAHUYEN_CU_TRU": "412", "MAXA_CU_TRU": "16693", "HO_TEN_CHA": "Trần Văn Bình",
    "HO_TEN_CON": "", "GIOI_TINH_CON": "2", "SO_CON": "1", "LAN_SINH": "1", "SO_CON_SONG": "1",
    "CAN_NANG_CON": "3200", "NGAY_SINH_CON": "202611300835", "NOI_SINH_CON": "Bệnh viện Sản Nhi Nghệ An",
    "TINH_TRANG_CON": "Khỏe mạnh", "NGAY_CT": "20261130", "SO": "GCS-2026-000123", "QUYEN_SO": "01/2026",
}  # fmt: skip
DEATH = {
    "MA_LK": "LK-0002", "HO_TEN": "Lê Văn Tư", "GIOI_TINH": "1", "NGAY_SINH": "19400302", "SO_CCCD": "040040001111",
    "NGAY_TU_VONG": "202611292110", "NOI_TU_VONG": "Bệnh viện Sản Nhi Nghệ An", "NGUYEN_NHAN": "Bệnh",
    "NOI_CU_TRU": "Số 9, phường Bến Thủy", "MATINH_CU_TRU": "40", "MAHUYEN_CU_TRU": "412", "MAXA_CU_TRU": "16693",
    "HO_TEN_THAN_NHAN": "Lê Văn Hùng", "SO_CCCD_THAN_NHAN": HUNG, "SO": "GBT-2026-000045", "QUYEN_SO": "01/2026",
    "NGAY_CT": "20261130",
}  # fmt: skip


@pytest.fixture(scope="session")
def signer():
    return make_signer("Sở Y tế Nghệ An — test CA", "Bệnh viện Sản Nhi Nghệ An — test")


@pytest.fixture(scope="session")
def stranger():
    """A CA the province never registered, and a certificate it issued."""
    return make_signer("Unregistered CA", "Bệnh viện Sản Nhi Nghệ An — forged")


@pytest.fixture
def facility(make_user, signer):
    client = make_user(UserRole.HEALTH_FACILITY, username="benhvien-sannhi")
    return HealthFacility.objects.create(
        code=CODE, name="Bệnh viện Sản Nhi Nghệ An", client=client, ca_pem=signer.ca_pem
    )


@pytest.fixture
def post(api, facility):  # noqa: F811
    """post(body, content_type="application/xml", user=the facility's client): the API's answer."""

    def send(body, content_type="application/xml", user=None):
        client = api(user or facility.client)
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        return client.generic("POST", "/api/v1/health-notices/", body, content_type=content_type)

    return send


def signed(signer, kind="birth", code=CODE, **changes):
    """A notice signed by `signer`: the birth (or death) record above with some fields changed
    (a value None drops the field)."""
    record = {**(BIRTH if kind == "birth" else DEATH), **changes}
    return signer.sign(envelope(code, kind, {k: v for k, v in record.items() if v is not None}))
