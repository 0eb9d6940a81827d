"""POST /api/v1/health-notices/api/qd130/guiHoSoXmlQD4750: the notices as a HIS sends its tables
to the Social Security gateway (a form with the signed GIAMDINHHS base64 in fileHSBase64), the
envelope signed by xmlsec1 (tests/peers/xmlsec.py) in .NET SignedXml's form; the facility's own
API token; the answer in the gateway's shape."""

import base64
import re
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from rest_framework.test import APIClient

from agencies.choices import UserRole
from health.models import HealthNotice, NoticeEvent
from health.pki import PLACEHOLDER, envelope
from tests.health.conftest import BIRTH, CODE, DEATH
from tests.peers.xmlsec import XMLSEC1, Form, xmlsec_sign

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (bin/system-packages)"),
]
PATH = "/api/v1/health-notices/api/qd130/guiHoSoXmlQD4750"


def _file(file_type: str, content: bytes) -> str:
    encoded = base64.b64encode(content).decode()
    return f"<FILEHOSO><LOAIHOSO>{file_type}</LOAIHOSO><NOIDUNGFILE>{encoded}</NOIDUNGFILE></FILEHOSO>"


def gateway_envelope(signer, tmp_path, *, code=CODE, tables=("XML1", "XML2", "XML9", "XML13", "GIAYBAOTU")) -> bytes:
    """A GIAMDINHHS carrying several tables: XML1 and the others a claim's (ignored), XML9 the birth
    certificate and GIAYBAOTU the death notice of tests/health/conftest.py; signed by xmlsec1."""
    root = etree.fromstring(envelope(code, "birth", BIRTH))
    birth = root.find("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
    death = etree.fromstring(envelope(code, "death", DEATH)).find("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
    hoso = root.find("THONGTINHOSO/DANHSACHHOSO/HOSO")
    hoso.remove(birth)
    for table in tables:
        if table == "XML9":
            hoso.append(birth)
        elif table == "GIAYBAOTU":
            hoso.append(death)
        else:
            tag = {"XML1": "TONG_HOP", "XML2": "CHITIEU_CHITIET_THUOC", "XML13": "CHI_TIEU_GIAYCHUYENTUYEN"}[table]
            hoso.append(etree.fromstring(_file(table, f"<{tag}><MA_LK>LK-0001</MA_LK></{tag}>".encode())))
    root.find("THONGTINHOSO/SOLUONGHOSO").text = str(len(tables))
    template = etree.tostring(root).replace(PLACEHOLDER.encode(), Form().template().encode())
    key = signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return xmlsec_sign(template, key, [signer.cert.public_bytes(serialization.Encoding.PEM)], tmp_path / code)


@pytest.fixture
def token(facility):
    """The facility's API token, issued by POST auth/token/ as a HIS gets it."""
    response = APIClient().post("/api/v1/auth/token/", {"username": facility.client.username, "password": "pw"})
    assert response.status_code in (200, 201), response.content
    return response.json()["token"]


def send(fields: dict, token: str | None = None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.generic("POST", PATH, urlencode(fields), content_type="application/x-www-form-urlencoded")


def form(body: bytes, **changes) -> dict:
    fields = {"username": "benhvien-sannhi", "loaiHoSo": "130", "maTinh": "40", "maCSKCB": CODE}
    return {**fields, "fileHSBase64": base64.b64encode(body).decode(), **changes}


def _answer(response, code: str, message: str, **more):
    assert response.status_code == int(code), response.content  # the HTTP status says what maKetQua says
    answer = response.json()
    assert re.fullmatch(r"20[0-9]{12}", answer.pop("thoiGianTiepNhan")), answer
    assert answer == {"maKetQua": code, "maGiaoDich": "", "thongDiep": message, **more}


def test_the_gateway_form_keeps_table_9_and_the_death_notice_and_ignores_the_rest(signer, facility, token, tmp_path):
    body = gateway_envelope(signer, tmp_path)
    response = send(form(body), token)
    birth, death = HealthNotice.objects.order_by("pk")
    notices = [
        {"id": birth.pk, "kind": "birth", "certificate_number": "GCS-2026-000123"},
        {"id": death.pk, "kind": "death", "certificate_number": "GBT-2026-000045"},
    ]
    _answer(
        response,
        "200",
        "Đã nhận 2 giấy: GCS-2026-000123, GBT-2026-000045.",
        maGiaoDich=f"{birth.pk},{death.pk}",
        notices=notices,
    )
    assert (birth.offered_to, death.offered_to, birth.format) == ("040195001234", "040080004321", "xml")
    assert birth.signer == f"CN=Bệnh viện Sản Nhi Nghệ An — test,C=VN #{signer.cert.serial_number:x}"
    # Sent again (a HIS retries): the same notices, nothing new.
    _answer(
        send(form(body), token),
        "200",
        "Đã nhận 2 giấy: GCS-2026-000123, GBT-2026-000045.",
        maGiaoDich=f"{birth.pk},{death.pk}",
        notices=notices,
    )
    assert HealthNotice.objects.count() == 2
    assert list(NoticeEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "received",
        "received",
        "repeated",
        "repeated",
    ]


def test_an_envelope_without_a_notice_is_received_and_nothing_kept(signer, token, tmp_path):
    body = gateway_envelope(signer, tmp_path, tables=("XML1", "XML2"))
    message = "Đã nhận; hồ sơ không có giấy chứng sinh (XML9) hay giấy báo tử: không lưu gì."
    _answer(send(form(body), token), "200", message, notices=[])
    assert HealthNotice.objects.count() == 0


def _refused(response, errors: dict):
    problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    _answer(response, "400", problems, errors=errors)
    assert HealthNotice.objects.count() == NoticeEvent.objects.count() == 0


def test_what_the_gateway_form_gets_wrong_is_refused_in_its_manner(signer, token, tmp_path):
    body = gateway_envelope(signer, tmp_path)
    _refused(
        send(form(body, maCSKCB="40002"), token),
        {"maCSKCB": ["Giấy này của cơ sở 40002, không phải của tài khoản API này."]},
    )
    _refused(
        send(form(body, loaiHoSo="4210"), token),
        {"loaiHoSo": ["Loại hồ sơ là 130 (các bảng của Quyết định 130/QĐ-BYT)."]},
    )
    _refused(
        send(form(body, username="bv-khac"), token),
        {"username": ["Đây không phải tên đăng nhập của tài khoản API gửi yêu cầu."]},
    )
    _refused(
        send(form(body, fileHSBase64="không phải base64"), token),
        {"fileHSBase64": ["Không phải một tài liệu XML mã hóa base64."]},
    )
    _refused(
        send({"maCSKCB": CODE}, token),
        {name: ["Trường này là bắt buộc."] for name in ("loaiHoSo", "maTinh", "fileHSBase64")},
    )
    tampered = body.replace(b"<SOLUONGHOSO>5</SOLUONGHOSO>", b"<SOLUONGHOSO>6</SOLUONGHOSO>")
    _refused(
        send(form(tampered), token),
        {"CHUKYDONVI": ["Chữ ký số của cơ sở y tế không hợp lệ: nội dung đã ký bị thay đổi sau khi ký."]},
    )
    other = gateway_envelope(signer, tmp_path, code="40002")
    _refused(send(form(other), token), {"MACSKCB": ["Giấy này của cơ sở 40002, không phải của tài khoản API này."]})


def test_only_the_facility_with_its_token_sends_to_the_gateway_form(signer, facility, make_user, tmp_path):
    body = gateway_envelope(signer, tmp_path)
    _answer(send(form(body)), "401", "Chưa cung cấp thông tin xác thực.")
    integration = make_user(UserRole.INTEGRATION, username="portal.integration")
    client = APIClient()
    client.force_authenticate(integration)
    response = client.generic("POST", PATH, urlencode(form(body)), content_type="application/x-www-form-urlencoded")
    _answer(response, "403", "Chỉ cơ sở y tế mới gửi được giấy của bệnh viện.")
    assert HealthNotice.objects.count() == 0
