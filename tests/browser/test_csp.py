"""Issue 11 §3 (hardening): under the portal's Content-Security-Policy, the main pages in a real
Chromium raise no violation (no inline script, no style attribute, nothing from elsewhere)."""

import pytest
from django.core.management import call_command

from cases.models import Bundle

pytestmark = pytest.mark.django_db(transaction=True)

# Reported by the page itself, on top of what Chromium writes to the console for each refusal.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile
    + ":" + event.lineNumber);
});
"""


def test_the_main_pages_raise_no_csp_violation(page, live_server, portal):
    call_command("seed_demo_dossiers", verbosity=0)
    bundle = Bundle.objects.order_by("pk").first()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{page.url}: {message.text}"))
    page.add_init_script(LISTEN)
    visited: list[tuple[str, int]] = []

    def visit(path: str) -> None:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        visited.append((path, response.status))
        assert "script-src 'self'" in response.headers["content-security-policy"]

    page.context.clear_cookies()
    visit("/accounts/login/")
    visit("/track/")
    page.get_by_label("Mã hồ sơ (trên giấy tiếp nhận)").fill(bundle.code)
    page.get_by_label("4 chữ số cuối số định danh của người nộp").fill("1234")
    page.get_by_role("button", name="Tra cứu").click()
    page.locator("section tbody tr").first.wait_for()

    portal("clerk.16690")
    visit("/clerk/")
    visit(f"/bundles/{bundle.code}/")
    visit("/clerk/new/birth/")
    visit("/clerk/new/death/")

    portal("civil_status.16690")
    visit("/queue/")
    row = page.locator("tr", has=page.get_by_role("button", name="Nhận xử lý")).first
    row_id = row.get_attribute("id")
    row.get_by_role("button", name="Nhận xử lý").click()  # HTMX swaps the row
    page.locator(f"#{row_id}").get_by_role("button", name="Trả lại hàng đợi").wait_for()
    visit("/queue/history/")

    portal("province.40")
    visit("/reports/")
    page.locator("svg").first.wait_for()

    visit("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()

    portal("admin")
    visit("/admin/")
    visit("/admin/cases/bundle/")
    visit(f"/admin/cases/bundle/{bundle.pk}/change/")
    visit("/admin/agencies/user/add/")

    assert [status for _, status in visited] == [200] * len(visited), visited
    violations = [m for m in messages if "Content Security Policy" in m or "CSP violation" in m]
    assert violations == [], "\n".join(violations)
