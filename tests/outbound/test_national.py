"""Status back to the national portal (issue 15 §1, issue 27 §5), received by the emulator of its
integration service (tests/peers/national_portal.py, a process written from OpenCPS's public code):
each change of a dossier that came from it is a TraCuuHoSo, a DongBoHoSoMC of the dossier's record
(isUpdating as TraCuuHoSo says) and a CapNhatTienDoHoSoMC of the step, under a session from its
login, in order; success is the answer's error_code, so a 200 with another code is a failed attempt
with the portal's message kept, retried and given up like a 5xx; an expired session is renewed;
a portal that is down, or killed and started again, gets everything once it is back."""

import datetime
import time

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import Bundle, Outbox
from outbound.models import Delivery
from outbound.services import deliveries_due, deliveries_send, delivery_replay
from tests.cases.conftest import birth
from tests.peers import NationalPortal

pytestmark = pytest.mark.django_db
RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}
CODE = "G22.99-260304-0001"
EVERY_CHANGE = ["DA_TIEP_NHAN", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY", "DANG_XU_LY"]


def filed(api, integration, **changes) -> Bundle:
    body = birth(**{"national_code": CODE, "national_procedure_code": "1.001193", **changes})
    answer = api(integration).post("/api/v1/bundles/", body, format="json")
    assert answer.status_code == 201, answer.json()
    return Bundle.objects.get(code=answer.json()["code"])


def work() -> None:
    """What the workers and beat do: deliver the outbox, then send what is due, queue by queue."""
    while pks := list(Outbox.objects.filter(delivered_at__isnull=True).order_by("pk").values_list("pk", flat=True)):
        for pk in pks:
            services.outbox_deliver(message_pk=pk)
    for target, bundle_pk, subscription_pk in deliveries_due():
        deliveries_send(target=target, bundle_pk=bundle_pk, subscription_pk=subscription_pk)


def later(seconds: float = 61) -> None:
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=seconds)):
        work()


def synced(portal: NationalPortal) -> list[str]:
    """The states the portal took, one per successful DongBoHoSoMC."""
    return [
        r["body"]["data"][0]["TrangThaiHoSo"]
        for r in portal.calls("DongBoHoSoMC")
        if r["answer"].get("error_code") == "0"
    ]


def complete_birth_registration(bundle: Bundle, officer) -> None:
    step = bundle.steps.get(procedure_id="birth_registration")
    services.step_complete(user=officer("civil_status"), step_pk=step.pk, result=RESULT)


def test_each_change_is_synchronised_then_its_progress_sent_under_one_session(api, integration, officer, national):
    national.start()
    bundle = filed(api, integration)
    work()
    complete_birth_registration(bundle, officer)
    work()

    assert synced(national) == EVERY_CHANGE
    assert [r["body"]["isUpdating"] for r in national.calls("DongBoHoSoMC")] == ["False"] + ["True"] * 4
    assert [r["answer"]["result"] != [] for r in national.calls("TraCuuHoSo")] == [False] + [True] * 4
    assert [r["body"]["data"][0]["TrangThai"] for r in national.calls("CapNhatTienDoHoSoMC")] == EVERY_CHANGE
    assert all(r["answer"]["error_code"] == "0" for r in national.requests()[1:])
    login, lookup, sync, progress = national.requests()[:4]
    assert (login["path"], login["headers"]["dstcode"], login["body"]) == (
        "/auth",
        "G22",
        {"username": "lienthong-nghean", "password": "mat-khau-thu"},
    )
    assert len(national.calls("login")) == 1  # the session is kept
    session = login["answer"]["session"]
    assert lookup["body"] == {"session": session, "madonvi": "000.00.00.H41", "service": "TraCuuHoSo", "mahoso": CODE}
    assert lookup["headers"]["dstcode"] == "G22"
    received = timezone.localtime(bundle.received_at).strftime("%Y%m%d%H%M%S")
    due = bundle.due_date.strftime("%Y%m%d") + "170000"
    assert sync["body"] == {
        "session": session,
        "madonvi": "000.00.00.H41",
        "service": "DongBoHoSoMC",
        "isUpdating": "False",
        "data": [
            {
                "MaHoSo": CODE,
                "MaTTHC": "1.001193",
                "TenTTHC": bundle.variant.name,
                "MaLinhVuc": "",
                "TenLinhVuc": "",
                "ChuHoSo": "Nguyễn Thị Lan",
                "LoaiDoiTuong": "1",
                "MaDoiTuong": "",
                "ThongTinKhac": "",
                "Email": "",
                "Fax": "",
                "SoDienThoai": "0912345678",
                "TrichYeuHoSo": f"{bundle.variant.name} ({bundle.code})",
                "NgayTiepNhan": received,
                "NgayHenTra": due,
                "TrangThaiHoSo": "DA_TIEP_NHAN",
                "NgayTra": "",
                "ThongTinTra": "",
                "HinhThuc": "0",
                "NgayKetThucXuLy": "",
                "DonViXuLy": "UBND phường Trường Vinh",
                "GhiChu": "Đã tiếp nhận",
                "TaiLieuNop": [],
                "DanhSachLePhi": [],
                "DanhSachTepDinhKemKhac": [],
                "DanhSachHoSoBoSung": [],
                "DanhSachGiayToKetQua": [],
            }
        ],
    }
    assert progress["body"]["service"] == "CapNhatTienDoHoSoMC"
    filing = bundle.events.get(action="filed")
    assert progress["body"]["data"] == [
        {
            "MaHoSo": CODE,
            "NguoiXuLy": "portal.integration",  # who filed it: the integration client's account
            "ChucDanh": "Hệ thống tích hợp",
            "ThoiDiemXuLy": timezone.localtime(filing.at).strftime("%Y%m%d%H%M%S"),
            "PhongBanXuLy": "UBND phường Trường Vinh",
            "NoiDungXuLy": "Tiếp nhận",
            "TrangThai": "DA_TIEP_NHAN",
            "NgayBatDau": received,
            "NgayKetThucTheoQuyDinh": due,
        }
    ]
    ids = [r["headers"]["X-Lienthong-Delivery"] for r in national.calls("DongBoHoSoMC")]
    assert [Delivery.objects.get(pk=pk).event for pk in ids] == [
        "received",
        "in_progress",
        "step_done",
        "in_progress",
        "in_progress",
    ]
    assert Delivery.objects.filter(state="delivered").count() == 5


def test_a_200_with_error_code_minus_one_is_a_failed_attempt_with_the_message_kept(api, integration, national):
    national.start(DongBoHoSoMC=["code:-1:Mã thủ tục hành chính không đúng", "ok"])
    filed(api, integration)

    work()  # refused: the second change waits behind the first
    work()  # not due yet: nothing is sent
    first = Delivery.objects.get(event="received")
    assert (first.state, first.attempts, Delivery.objects.filter(state="delivered").count()) == ("pending", 1, 0)
    assert first.last_error == "DongBoHoSoMC: error_code -1: Mã thủ tục hành chính không đúng"
    assert len(national.calls("DongBoHoSoMC")) == 1
    later()

    assert [(a.status_code, a.error) for a in first.attempt_log.all()] == [
        (200, "DongBoHoSoMC: error_code -1: Mã thủ tục hành chính không đúng"),
        (200, ""),
    ]
    assert synced(national) == ["DA_TIEP_NHAN", "DANG_XU_LY"]
    assert len(national.calls("login")) == 1  # refused under a new session: not a session to renew


def test_a_portal_that_answers_500_then_succeeds_gets_exactly_one_more_attempt(api, integration, national):
    national.start(DongBoHoSoMC=["http:500", "ok"])
    filed(api, integration)

    work()
    work()
    assert len(national.calls("DongBoHoSoMC")) == 1
    later()

    ids = [r["headers"]["X-Lienthong-Delivery"] for r in national.calls("DongBoHoSoMC")]
    assert ids[0] == ids[1] and len(ids) == 3  # the same delivery twice, then the next one
    first = Delivery.objects.get(pk=ids[0])
    assert [(a.status_code, a.error) for a in first.attempt_log.all()] == [
        (500, 'DongBoHoSoMC: HTTP 500: {"error": "busy"}'),
        (200, ""),
    ]
    assert synced(national) == ["DA_TIEP_NHAN", "DANG_XU_LY"]


def test_an_error_code_every_time_is_given_up_after_a_day_like_a_5xx(api, integration, national, settings):
    national.start(DongBoHoSoMC=["code:-1:Hệ thống đang bảo trì"])
    settings.OUTBOUND_GIVE_UP = 0.0
    filed(api, integration)
    work()

    dead = Delivery.objects.get(state="dead")
    assert (dead.event, dead.last_error) == ("received", "DongBoHoSoMC: error_code -1: Hệ thống đang bảo trì")
    assert Delivery.objects.filter(state="pending").count() == 1
    later(3600)
    assert len(national.calls("DongBoHoSoMC")) == 1  # the later change waits behind the given-up one


def test_an_expired_session_is_renewed_and_the_call_repeated_once(api, integration, officer, national):
    national.start(ttl=1.0)
    bundle = filed(api, integration)
    work()
    time.sleep(1.2)  # the portal's session expires; the portal keeps it its own 10 minutes
    complete_birth_registration(bundle, officer)
    work()

    assert synced(national) == EVERY_CHANGE
    assert Delivery.objects.filter(state="delivered").count() == 5
    assert all(not d.last_error and d.attempts == 1 for d in Delivery.objects.all())
    refused = [r for r in national.requests() if r["answer"].get("error_code") == "-1"]
    assert [(r["body"]["service"], r["answer"]["message"]) for r in refused] == [
        ("TraCuuHoSo", "Phiên làm việc không hợp lệ hoặc đã hết hạn")
    ]
    assert len(national.calls("login")) == 2
    assert national.requests().index(refused[0]) + 1 == national.requests().index(national.calls("login")[1])


def test_a_wrong_account_fails_the_attempt_with_the_portals_words(api, integration, national, settings):
    national.start()
    settings.NATIONAL_PORTAL_PASSWORD = "sai"
    filed(api, integration)
    work()

    first = Delivery.objects.get(event="received")
    assert (first.state, first.last_error) == ("pending", "login: error_code -1: Sai tên đăng nhập hoặc mật khẩu")
    assert national.calls("TraCuuHoSo") == []


def test_a_portal_down_for_a_while_gets_everything_once_it_is_back(api, integration, officer, national, settings):
    settings.OUTBOUND_RETRY_BASE = 0.0
    bundle = filed(api, integration)  # the portal is not running
    work()
    complete_birth_registration(bundle, officer)
    work()
    assert Delivery.objects.filter(state="pending").count() == 5
    assert Delivery.objects.order_by("created_at").first().last_error.startswith("ConnectionError")

    national.start()
    work()

    assert synced(national) == EVERY_CHANGE
    assert len({r["headers"]["X-Lienthong-Delivery"] for r in national.calls("DongBoHoSoMC")}) == 5


def test_a_portal_killed_and_started_again_forgot_the_session_and_gets_the_rest_in_order(
    api, integration, officer, national, settings
):
    settings.OUTBOUND_RETRY_BASE = 0.0
    national.start()
    bundle = filed(api, integration)
    work()
    national.stop()  # killed: its sessions and dossiers are gone
    complete_birth_registration(bundle, officer)
    work()
    assert Delivery.objects.filter(state="pending").count() == 3

    national.start()
    work()

    assert synced(national) == EVERY_CHANGE
    # The restarted portal does not know the dossier: it is synchronised anew, then updated.
    assert [r["body"]["isUpdating"] for r in national.calls("DongBoHoSoMC")] == [
        "False",
        "True",
        "False",
        "True",
        "True",
    ]
    assert len(national.calls("login")) == 2
    assert Delivery.objects.filter(state="delivered").count() == 5


def test_after_a_day_a_delivery_waits_for_an_administrator_and_its_replay_sends_the_rest(
    api, integration, national, settings, django_capture_on_commit_callbacks
):
    national.start(DongBoHoSoMC=["http:500"])
    settings.OUTBOUND_GIVE_UP = 0.0
    filed(api, integration)
    work()
    dead = Delivery.objects.get(state="dead")
    assert (dead.event, Delivery.objects.filter(state="pending").count()) == ("received", 1)
    national.stop()
    national.start()

    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=dead)

    assert synced(national) == ["DA_TIEP_NHAN", "DANG_XU_LY"]
    assert Delivery.objects.filter(state="delivered").count() == 2


def test_a_dossier_not_from_the_national_portal_sends_nothing(api, integration, national):
    national.start()
    api(integration).post("/api/v1/bundles/", birth(), format="json")
    work()

    assert (national.requests(), Delivery.objects.count()) == ([], 0)


def test_the_national_code_is_the_connections_and_files_one_dossier(api, integration, make_user, national):
    from agencies.choices import UserRole

    first = filed(api, integration)
    again = api(integration).post(
        "/api/v1/bundles/",
        birth(national_code=CODE, child__birth_certificate_number="GCS-OTHER"),
        format="json",
    )
    clerk = api(make_user(UserRole.CLERK, commune="16690")).post(
        "/api/v1/bundles/", birth(channel="direct", received_at=None, national_code="G22.99-1"), format="json"
    )

    assert again.status_code == 400
    assert again.json()["errors"] == {
        "national_code": [f"Hồ sơ {CODE} của Cổng Dịch vụ công quốc gia đã là hồ sơ {first.code}."]
    }
    assert (clerk.status_code, list(clerk.json()["errors"])) == (400, ["national_code"])


def test_a_refusal_under_a_kept_session_is_repeated_once_after_a_new_login_then_fails(api, integration, national):
    national.start(DongBoHoSoMC=["ok", "code:-1:Trạng thái hồ sơ không hợp lệ"])
    filed(api, integration)
    work()

    second = Delivery.objects.get(event="in_progress")
    assert (second.state, second.last_error) == (
        "pending",
        "DongBoHoSoMC: error_code -1: Trạng thái hồ sơ không hợp lệ",
    )
    assert len(national.calls("login")) == 2  # the first attempt's session, then one new login
    assert [r["body"]["data"][0]["TrangThaiHoSo"] for r in national.calls("DongBoHoSoMC")] == [
        "DA_TIEP_NHAN",
        "DANG_XU_LY",
        "DANG_XU_LY",
    ]
