"""An emulator of the national public-service portal's (Cổng Dịch vụ công quốc gia) integration
service, run as its own process by the tests: `python tests/peers/national_portal.py '<json config>'`.

Written from how OpenCPS, the Vietnamese one-stop core, calls it (public code,
github.com/VietOpenCPS/opencps-v2): `modules/backend-dossiermgt/backend-dossiermgt-service/.../
action/impl/DVCQGIntegrationActionImpl.java` (getAccessToken, syncData, searchDossier,
syncDossierAndDossierStatus, createSyncDossierBodyRequest, createSyncDossierStatusBodyRequest) and
`.../backend-dossiermgt-api/.../constants/DVCQGIntegrationActionTerm.java` (the names), with the
session's lifetime from `AccessTokenLocalServiceImpl.java` (OpenCPS keeps a session 10 minutes).
What it emulates:

- `POST /auth` (OpenCPS's adapter_url + auth_endpoint): header `dstcode`, body
  `{"username", "password"}` → `{"session", "error_code": 0}`; a wrong account or dstcode →
  `{"error_code": -1, "message"}`.
- `POST /integration` (adapter_url + integration_endpoint): header `dstcode`, body
  `{"session", "madonvi", "service", ...}`, answered 200 with `{"error_code": "0", ...}` on success.
  `service` is one of
  - `TraCuuHoSo` `{"mahoso"}` → `{"error_code": "0", "result": [the record]}` (empty when the portal
    has never had this dossier): how OpenCPS decides `isUpdating`;
  - `DongBoHoSoMC` `{"isUpdating": "True"|"False", "data": [record]}`: the record with every field
    OpenCPS sends (MaHoSo, MaTTHC, TenTTHC, ..., DonViXuLy, the five lists), the ones OpenCPS does
    not mark "ko bb" (not required) filled, times as yyyyMMddHHmmss; `isUpdating` must say whether
    the portal has the dossier already;
  - `CapNhatTienDoHoSoMC` `{"data": [progress]}`: MaHoSo of a dossier already synchronised,
    NguoiXuLy, ChucDanh, ThoiDiemXuLy, PhongBanXuLy, NoiDungXuLy, TrangThai, NgayBatDau,
    NgayKetThucTheoQuyDinh.
  Anything wrong → 200 `{"error_code": "-1", "message": <what is wrong>}`; an unknown or expired
  session → 200 `{"error_code": "-1", "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}`
  (the real portal's code and words for an expired session are not in OpenCPS: unverified).

Config (JSON): port, log (each request appended as a JSON line {"path", "headers", "body",
"status", "answer"}), username, password, dstcode, madonvi, ttl (a session's seconds), answers
(per service, a list used in turn, the last repeated: "ok", "http:<status>" or
"code:<error_code>:<message>", the last two given instead of processing the call), delay
([seconds, count]: the first <count> DongBoHoSoMC calls wait that long before answering, so a
sender can die waiting). Its state (sessions, dossiers) lives in the process: killing it loses
them, as a restarted portal would lose the sessions it gave.
"""

import json
import re
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG = json.loads(sys.argv[1])
EXPIRED = "Phiên làm việc không hợp lệ hoặc đã hết hạn"
RECORD = [
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "ChuHoSo", "LoaiDoiTuong", "MaDoiTuong",
    "ThongTinKhac", "Email", "Fax", "SoDienThoai", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra",
    "TrangThaiHoSo", "NgayTra", "ThongTinTra", "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "GhiChu",
]  # fmt: skip
RECORD_LISTS = ["TaiLieuNop", "DanhSachLePhi", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"]
# What OpenCPS sends without the "ko bb" (not required) mark, and that it always has.
RECORD_REQUIRED = ["MaHoSo", "MaTTHC", "TenTTHC", "LoaiDoiTuong", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo",
                   "HinhThuc", "DonViXuLy"]  # fmt: skip
RECORD_TIMES = ["NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy"]
PROGRESS = ["MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai",
            "NgayBatDau", "NgayKetThucTheoQuyDinh"]  # fmt: skip
PROGRESS_REQUIRED = ["MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai"]
PROGRESS_TIMES = ["ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"]
STAMP = re.compile(r"^\d{14}$")

lock = threading.Lock()
sessions: dict[str, float] = {}  # session → when it expires
records: dict[str, dict] = {}  # MaHoSo → the dossier as last synchronised
progress: dict[str, list[dict]] = {}
served: dict[str, int] = {}  # service → calls so far


class Refused(Exception):
    pass


def planned(service: str) -> str:
    """The answer the test planned for this call of `service` ("ok": process it)."""
    plan = CONFIG.get("answers", {}).get(service) or ["ok"]
    turn = served.get(service, 0)
    served[service] = turn + 1
    return plan[min(turn, len(plan) - 1)]


def check(item: object, fields: list[str], required: list[str], times: list[str]) -> dict:
    if not isinstance(item, dict):
        raise Refused("Dữ liệu không đúng định dạng")
    missing = [field for field in fields if field not in item]
    if missing:
        raise Refused(f"Thiếu trường {', '.join(missing)}")
    empty = [field for field in required if not str(item[field]).strip()]
    if empty:
        raise Refused(f"Trường {', '.join(empty)} không được để trống")
    wrong = [field for field in times if item[field] and not STAMP.match(str(item[field]))]
    if wrong:
        raise Refused(f"Trường {', '.join(wrong)} phải có dạng yyyyMMddHHmmss")
    return item


def items(body: dict) -> list:
    data = body.get("data")
    if not isinstance(data, list) or not data:
        raise Refused("Thiếu danh sách data")
    return data


def integration(body: dict) -> dict:
    service = body.get("service")
    if body.get("madonvi") != CONFIG["madonvi"]:
        raise Refused("Mã đơn vị không đúng")
    if sessions.get(str(body.get("session")), 0.0) < time.time():
        raise Refused(EXPIRED)
    if service == "TraCuuHoSo":
        found = records.get(str(body.get("mahoso")))
        return {"error_code": "0", "result": [found] if found else []}
    if service == "DongBoHoSoMC":
        for record in items(body):
            check(record, RECORD + RECORD_LISTS, RECORD_REQUIRED, RECORD_TIMES)
            if record["HinhThuc"] not in ("0", "1") or record["LoaiDoiTuong"] not in ("1", "2"):
                raise Refused("HinhThuc hoặc LoaiDoiTuong không hợp lệ")
            known = record["MaHoSo"] in records
            if body.get("isUpdating") not in ("True", "False"):
                raise Refused("isUpdating phải là True hoặc False")
            if known and body["isUpdating"] == "False":
                raise Refused(f"Hồ sơ {record['MaHoSo']} đã tồn tại")
            if not known and body["isUpdating"] == "True":
                raise Refused(f"Không tìm thấy hồ sơ {record['MaHoSo']} để cập nhật")
        for record in body["data"]:
            records[record["MaHoSo"]] = record
        return {"error_code": "0", "message": "Thành công"}
    if service == "CapNhatTienDoHoSoMC":
        for step in items(body):
            check(step, PROGRESS, PROGRESS_REQUIRED, PROGRESS_TIMES)
            if step["MaHoSo"] not in records:
                raise Refused(f"Không tìm thấy hồ sơ {step['MaHoSo']}")
        for step in body["data"]:
            progress.setdefault(step["MaHoSo"], []).append(step)
        return {"error_code": "0", "message": "Thành công"}
    raise Refused(f"Không có dịch vụ {service}")


class Portal(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, answer = 200, {}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with lock:
            try:
                if not isinstance(body, dict):
                    raise Refused("Dữ liệu không phải JSON")
                if self.headers.get("dstcode") != CONFIG["dstcode"]:
                    raise Refused("Sai dstcode")
                if self.path == "/auth":
                    if (body.get("username"), body.get("password")) != (CONFIG["username"], CONFIG["password"]):
                        answer = {"error_code": -1, "message": "Sai tên đăng nhập hoặc mật khẩu"}
                    else:
                        session = secrets.token_hex(16)
                        sessions[session] = time.time() + CONFIG["ttl"]
                        answer = {"session": session, "error_code": 0}
                elif self.path == "/integration":
                    plan = planned(str(body.get("service")))
                    if plan.startswith("http:"):
                        status, answer = int(plan[5:]), {"error": "busy"}
                    elif plan.startswith("code:"):
                        code, message = plan[5:].split(":", 1)
                        answer = {"error_code": code, "message": message}
                    else:
                        answer = integration(body)
                else:
                    status, answer = 404, {"error": "not found"}
            except Refused as refused:
                answer = {"error_code": "-1", "message": str(refused)}
            entry = {"path": self.path, "headers": dict(self.headers), "body": body, "status": status, "answer": answer}
            with open(CONFIG["log"], "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            delay, delayed = CONFIG.get("delay") or [0.0, 0]
            slow = self.path == "/integration" and isinstance(body, dict) and body.get("service") == "DongBoHoSoMC"
            slow = slow and served.get("DongBoHoSoMC", 0) <= delayed
        if slow:
            time.sleep(delay)
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", CONFIG["port"]), Portal).serve_forever()
