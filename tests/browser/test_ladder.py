"""Issue 30 §1 in a real browser: the head of the ward's civil-status office opens the office's
escalation ladder of the demo data, gives a step to an officer, and the province opens the counts
per office from the dashboard. Screenshots in var/screenshots (and SHOTS, when set)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from agencies.models import User
from cases.models import Step
from tests.browser.conftest import screenshot
from tests.cases.conftest import _fresh_rules_and_in_process_tasks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SHOTS", "")


def shot(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_head_sees_the_ladder_reassigns_and_the_province_counts_the_rungs(page, portal, live_server):
    call_command("seed_demo_dossiers", verbosity=0)

    portal("head.civil_status.16690")
    page.get_by_role("link", name="Hồ sơ cần đôn đốc").click()
    page.wait_for_url("**/ladder/")
    headings = [text.strip() for text in page.locator("section h2").all_inner_texts()]
    assert headings == [
        "Bậc 3: Văn phòng cấp tỉnh",
        "Bậc 2: lãnh đạo cơ quan",
        "Bậc 1: cán bộ đang giữ hồ sơ, hoặc cơ quan",
    ]
    shot(page, "ladder-1-head")

    overdue = page.locator("#rung-3 tbody tr").first
    step_pk = int((overdue.get_attribute("id") or "").removeprefix("step-"))
    overdue.get_by_label("Cán bộ").select_option(label="Trần Văn Minh")
    overdue.get_by_role("button", name="Giao lại").click()
    page.wait_for_url("**/ladder/")
    assert "nay do Trần Văn Minh xử lý" in page.locator(".messages").inner_text()
    assert Step.objects.get(pk=step_pk).claimant == User.objects.get(username="civil_status.16690")
    shot(page, "ladder-2-reassigned")

    portal("province.40")
    page.get_by_role("link", name="Đôn đốc xử lý: số bước của từng cơ quan").click()
    page.wait_for_url("**/reports/ladder/*")
    rows = {row.split("\t")[0]: row.split("\t")[1:] for row in page.locator("tbody tr").all_inner_texts()}
    assert sorted(rows) == ["Bộ phận một cửa phường Trường Vinh", "Tư pháp - Hộ tịch, UBND phường Trường Vinh"]
    # The forgotten dossier's step reached the province (and the dossier itself, at the desk).
    assert rows["Tư pháp - Hộ tịch, UBND phường Trường Vinh"][2] == "1"
    shot(page, "ladder-3-province")
