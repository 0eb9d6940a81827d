"""Dossiers as partners send them, and the people who handle them."""

import copy
import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from agencies.choices import UserRole
from agencies.models import User
from cases import rules
from portal.celery import app as celery_app

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HANOI)


BIRTH = {
    "kind": "birth",
    "procedures": ["birth_registration", "permanent_residence", "health_insurance_card"],
    "channel": "online",
    "commune": "16690",
    "received_at": "2026-03-02T14:10:00+07:00",
    "needs_verification": False,
    "applicant": {"full_name": "Nguyễn Thị Lan", "id_number": "040195001234", "relationship": "mother",
                  "phone": "0912345678"},
    "child": {"full_name": "Trần Minh An", "sex": "female", "date_of_birth": "2026-02-20",
              "place_of_birth": "Bệnh viện Sản Nhi Nghệ An", "ethnicity": "Kinh", "nationality": "VN",
              "birth_certificate_number": "CS-2026-000123"},
    "mother": {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-05-01", "id_number": "040195001234"},
    "father": {"full_name": "Trần Văn Bình", "date_of_birth": "1993-01-09", "id_number": "040093005678"},
    "residence": {"address": "Số 5, đường Lê Hồng Phong", "commune": "16690",
                  "household_head": {"full_name": "Trần Văn Bình", "id_number": "040093005678",
                                     "relationship_to_child": "father"},
                  "household_head_consent": True, "owner_consent": True},
    "insurance": {"initial_clinic": "Trạm y tế phường Trường Vinh"},
    "delivery": "electronic",
}  # fmt: skip

DEATH = {
    "kind": "death",
    "procedures": ["death_registration", "residence_deregistration", "funeral_allowance", "survivor_benefit"],
    "channel": "direct",
    "commune": "17329",
    "received_at": "2026-03-02T10:00:00+07:00",
    "applicant": {"full_name": "Lê Văn Hùng", "id_number": "040080004321", "relationship": "son",
                  "phone": "0987654321"},
    "deceased": {"full_name": "Lê Văn Tâm", "sex": "male", "date_of_birth": "1950-04-12", "id_number": "040050009876",
                 "date_of_death": "2026-02-25", "place_of_death": "Bệnh viện Đa khoa Nghệ An", "cause": "bệnh",
                 "last_residence": "Xóm 3, xã Anh Sơn"},
    "death_notice": {"number": "BT-2026-0456", "issuer": "Bệnh viện Đa khoa Nghệ An", "date": "2026-02-25"},
    "funeral_category": "social_insurance",
    "survivor_benefit": {"mode": "lump_sum"},
}  # fmt: skip


def birth(**changes: Any) -> dict[str, Any]:
    """The birth dossier above with some fields changed (`child__sex="male"` reaches inside)."""
    return _changed(BIRTH, changes)


def death(**changes: Any) -> dict[str, Any]:
    return _changed(DEATH, changes)


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return data


@pytest.fixture(autouse=True)
def _fresh_rules_and_in_process_tasks():
    """Each test reads limits and the calendar afresh, and runs tasks in-process unless it starts
    a real worker itself (test_concurrency_and_workers)."""
    rules.clear_cache()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    rules.clear_cache()


@pytest.fixture
def api(db):
    """An API client logged in as a given user: api(user)."""

    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def integration(make_user):
    return make_user(UserRole.INTEGRATION, username="portal.integration")


@pytest.fixture
def officer(make_user):
    """officer(role, commune="16690", on=...): an officer of the office that plays that role there."""

    def make(agency_role: str, commune: str = "16690", on: datetime.date = datetime.date(2026, 3, 2)) -> User:
        username = f"{agency_role}.{commune}.{on}"
        existing = User.objects.filter(username=username).first()
        return existing or make_user(
            UserRole.OFFICER, agency_role=agency_role, commune=commune, on=on, username=username
        )

    return make
