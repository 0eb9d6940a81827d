"""Issue 26 §8: every page of every role, in Vietnamese and in English, checked by axe-core (the
npm package of package.json, installed by `make test`) against WCAG 2.1 A and AA: no violation of
serious or critical impact. The intake wizard is walked with the keyboard alone, and a focused
control shows where the focus is. The count of violations per page goes to var/axe-report.txt.

axe is evaluated in the page through the DevTools protocol (`page.evaluate`), not added as a
<script> element: the portal's Content-Security-Policy (script-src 'self', no inline script) would
refuse an inline script, and bypassing the policy for the test would audit a page the citizen never
gets. Evaluation by the protocol is not subject to the page's policy, so the page stays exactly as
served."""

import datetime
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import User
from cases.choices import BundleState, StepState
from cases.models import Bundle, BundleVariant, Step
from outbound.models import Delivery, Subscription, Target
from tests.browser.conftest import screenshot
from tests.chromium import track
from tests.citizens.conftest import BINH, LAN, provider, providers  # noqa: F401  (the citizen's e-ID sign-in)
from tests.citizens.test_signin import sign_in
from tests.scans import PDF

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "var" / "axe-report.txt"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
LANGUAGES = ("vi", "en")
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return {violations: results.violations, incomplete: results.incomplete};
}"""

# (role, page) -> language -> the serious and critical violations: "rule-id ×nodes" each.
FOUND: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(dict)


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.skip("axe-core is not installed: npm ci (make test runs it; apt-get install npm)")
    return AXE.read_text()


@pytest.fixture(scope="module", autouse=True)
def report():
    """The table of the closing note, written once every role has been through."""
    yield
    if not FOUND:
        return
    width = max(len(f"{role}: {name}") for role, name in FOUND)
    lines = [f"{'page':{width}}  vi  en  serious or critical rules (vi | en)"]
    for (role, name), by_language in FOUND.items():
        counts = "  ".join(f"{len(by_language.get(language, [])):>2}" for language in LANGUAGES)
        rules = " | ".join(", ".join(by_language.get(language, [])) or "-" for language in LANGUAGES)
        lines.append(f"{f'{role}: {name}':{width}}  {counts}  {rules}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


def audit(page, axe_source: str, role: str, name: str, language: str) -> None:
    """axe-core on the page as it is now, its closed <details> opened first (the step page's action
    forms): its serious and critical violations recorded. A reference to an element that is not
    there (aria-describedby naming a missing id) axe leaves "to review", in case a script adds the
    element later; no script of the portal does, so here it counts as the critical violation it is."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    results = page.evaluate(RUN_AXE, WCAG)
    missing = [r for r in results["incomplete"] if r["id"] == "aria-valid-attr-value"]
    blocking = [r for r in results["violations"] + missing if r["impact"] in BLOCKING]
    FOUND[(role, name)][language] = [f"{r['id']} ×{len(r['nodes'])}" for r in blocking]
    for result in blocking:
        targets = [" ".join(node["target"]) for node in result["nodes"][:5]]
        print(f"  [{language}] {role}: {name}: {result['id']} ({result['impact']}): {targets}")


def visit(page, url: str, expected: int | None = 200) -> None:
    response = page.goto(url)
    assert expected is None or response.status == expected, (url, response.status)


def variant(page, procedures: list[str]) -> str:
    """The value of the variant made of these procedures, whatever the page's language."""
    return page.evaluate(
        """(wanted) => {
            const variants = JSON.parse(document.querySelector("form[data-intake]").dataset.variants);
            return Object.keys(variants).find((key) => variants[key].join(" ") === wanted);
        }""",
        " ".join(procedures),
    )


def choose_variant(page, procedures: list[str]) -> None:
    page.locator(f'input[name="variant"][value="{variant(page, procedures)}"]').check()


BORN = timezone.localdate() - datetime.timedelta(days=10)
BIRTH = {
    "applicant-full_name": "Nguyễn Thị Lan", "applicant-id_number": "040195001234", "applicant-relationship": "mẹ",
    "child-full_name": "Trần Minh An", "child-date_of_birth": BORN.strftime("%d/%m/%Y"),
    "child-place_of_birth": "Bệnh viện Sản Nhi Nghệ An", "child-birth_certificate_number": "CS-A11Y-1",
    "mother-full_name": "Nguyễn Thị Lan", "mother-date_of_birth": "01/05/1995",
    "insurance-initial_clinic": "Trạm y tế phường Trường Vinh",
}  # fmt: skip


BIRTH_ALL = ["birth_registration", "permanent_residence", "health_insurance_card"]
DEATH_ALL = ["death_registration", "residence_deregistration", "funeral_allowance"]


def fill_birth(page) -> None:
    choose_variant(page, ["birth_registration", "health_insurance_card"])
    for name, value in BIRTH.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="child-sex"][value="female"]').check()


def review(page) -> None:
    page.locator("form[data-intake] button[type=submit]").click()
    page.wait_for_load_state()


# Each role's pages, in the order a person of that role meets them: check(name) audits the page shown.
Check = Callable[[str], None]


def anonymous_pages(page, url: str, check: Check) -> None:
    bundle = Bundle.objects.order_by("pk").first()
    visit(page, url + "/accounts/login/")
    check("login")
    visit(page, url + "/track/")
    check("track")
    track(page, url, bundle.code, bundle.applicant_id_last4)
    check("track: a dossier")
    track(page, url, "KS-40-2026-999999", "0000")
    check("track: not found")
    visit(page, url + "/verify/")
    check("verify")
    visit(page, url + "/verify/?t=no-such-token")
    check("verify: an unknown QR code")
    page.locator("#verify-file").set_input_files(
        files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator("form.card button[type=submit]").click()
    page.locator("#verdict").wait_for()
    check("verify: an unsigned PDF's verdict")
    visit(page, url + "/citizen/sign-in/refused/", 403)
    check("citizen sign-in refused")
    visit(page, url + "/citizen/sign-in/unavailable/", 503)
    check("citizen sign-in: the provider unavailable")
    visit(page, url + "/no-such-page/", 404)
    check("404")
    visit(page, url + "/guides/")
    check("guides")
    funeral = BundleVariant.objects.filter(kind="death", procedures="funeral_allowance").order_by("pk").first()
    visit(page, f"{url}/guides/death/{funeral.pk}/")
    check("guide: death with the funeral allowance")


def clerk_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/clerk/")
    check("desk home")
    visit(page, url + "/clerk/new/birth/")
    choose_variant(page, BIRTH_ALL)  # every section shown
    check("intake birth: step 1")
    review(page)
    check("intake birth: errors")
    fill_birth(page)
    review(page)
    check("intake birth: step 2 (review)")
    visit(page, url + "/clerk/new/death/")
    choose_variant(page, DEATH_ALL)
    page.locator('[name="funeral-social_protection"]').check()  # HTMX answers with the office and amount
    page.locator("#funeral-result .result-box").wait_for()
    check("intake death: step 1, funeral answered")
    review(page)
    check("intake death: errors")
    for state in (BundleState.IN_PROGRESS, BundleState.COMPLETED):
        bundle = Bundle.objects.filter(state=state).order_by("pk").first()
        visit(page, f"{url}/bundles/{bundle.code}/")
        check(f"bundle ({state.value})")
    death = Bundle.objects.filter(kind="death").order_by("pk").first()  # the funeral category and amount
    visit(page, f"{url}/bundles/{death.code}/")
    check("bundle (death, funeral facts)")
    returned = Bundle.objects.filter(steps__state=StepState.RETURNED).first()
    visit(page, f"{url}/bundles/{returned.code}/")
    check("bundle (documents missing)")
    visit(page, url + "/clerk/offline/")  # the desk offline (issue 31): its outbox and forms
    check("offline: outbox")
    visit(page, url + "/clerk/offline/new/death/")
    choose_variant(page, DEATH_ALL)
    check("offline: death capture")
    visit(page, url + "/accounts/password_change/")
    check("password change")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    check("password change: errors")
    visit(page, url + "/queue/", 403)
    check("403")
    page.set_viewport_size({"width": 412, "height": 900})
    visit(page, url + "/clerk/new/birth/")
    check("intake birth: step 1 at 412 px")
    fill_birth(page)
    review(page)
    check("intake birth: step 2 at 412 px")
    page.set_viewport_size({"width": 1280, "height": 800})


def officer_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/queue/")
    check("queue")
    row = page.locator("tr", has=page.locator("form[action$='/claim/']")).first
    row_id = row.get_attribute("id")
    row.locator("button[type=submit]").click()  # HTMX swaps the row
    page.locator(f"#{row_id} form[action$='/release/']").wait_for()
    check("queue: a row claimed")
    open_states = (StepState.READY, StepState.IN_PROGRESS)
    step = Step.objects.filter(procedure_id="birth_registration", state__in=open_states).order_by("pk").first()
    visit(page, f"{url}/steps/{step.pk}/")
    check("step (ready)")
    page.locator("form[action$='/complete/'] button[type=submit]").click()
    page.wait_for_load_state()
    check("step: errors")
    visit(page, url + "/queue/history/")
    check("history")
    done = Step.objects.filter(procedure_id="birth_registration", state=StepState.DONE).order_by("pk").first()
    visit(page, f"{url}/steps/{done.pk}/")
    check("step (done, extract)")
    # The head of the office (issue 28 §3): a colleague locked out, the page that unlocks them.
    from axes.models import AccessAttempt

    head = User.objects.get(username="civil_status.16690")
    User.objects.filter(pk=head.pk).update(heads_workplace=True)
    colleague, _new = User.objects.get_or_create(
        username="civil_status.16690.b",
        defaults={"role": head.role, "office": head.office, "first_name": "Bình", "last_name": "Lê Thị"},
    )  # once for both languages
    AccessAttempt.objects.get_or_create(
        username=colleague.username, ip_address="10.0.0.9", user_agent="",
        defaults={"get_data": "", "post_data": "", "http_accept": "", "path_info": "/accounts/login/",
                  "failures_since_start": 5},
    )  # fmt: skip
    visit(page, url + "/staff/sign-in/")
    check("staff sign-in (the head of the office)")
    screenshot(page, "staff-sign-in")


def provincial_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/reports/")
    page.locator("svg").first.wait_for()
    check("dashboard")
    visit(page, url + "/reports/schedule/")
    check("schedules")
    visit(page, url + "/reports/funeral-amounts/")
    check("funeral amounts")


def integration_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/integration/")
    check("integration")
    partner = User.objects.get(username="portal.integration")
    hook = Subscription.objects.create(client=partner, url="https://partner.example/hook", events=["*"], secret="s")
    bundle = Bundle.objects.order_by("pk").first()
    Delivery.objects.create(
        target=Target.WEBHOOK, subscription=hook, bundle=bundle, event="bundle.filed", position=1, payload={},
        attempts=2, last_error="HTTP 503",
    )  # fmt: skip
    visit(page, url + "/integration/")
    check("integration: a webhook and its deliveries")


def citizen_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/citizen/")
    check("citizen home")
    bundle = Bundle.objects.filter(data__applicant__id_number=LAN).order_by("pk").first()
    visit(page, f"{url}/citizen/dossiers/{bundle.code}/")
    check("citizen bundle")
    visit(page, url + "/citizen/file/birth/")
    check("citizen intake birth")
    review(page)
    check("citizen intake birth: errors")


def citizen_level_1_pages(page, url: str, check: Check) -> None:
    visit(page, url + "/citizen/")
    check("citizen home (level 1: track only)")
    visit(page, url + "/citizen/file/birth/", 403)
    check("citizen filing: level 2 needed")


ROLES = {
    "anonymous": ("", anonymous_pages),
    "clerk": ("clerk.16690", clerk_pages),
    "officer": ("civil_status.16690", officer_pages),
    "provincial": ("province.40", provincial_pages),
    "integration": ("portal.integration", integration_pages),
    "citizen": ("citizen", citizen_pages),
    "citizen-level-1": ("citizen", citizen_level_1_pages),
}
CITIZENS = {"citizen": LAN, "citizen-level-1": BINH}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_has_no_serious_accessibility_violation(
    role, page, live_server, portal, axe_source, request
):
    call_command("seed_demo_dossiers", verbosity=0)
    username, pages = ROLES[role]
    if username == "citizen":
        request.getfixturevalue("provider")
        sign_in(page, live_server, CITIZENS[role])
    elif username:
        portal(username)
    for language in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        pages(page, live_server.url, lambda name: audit(page, axe_source, role, name, language))  # noqa: B023

    found = {
        f"{name} [{language}]": rules
        for (who, name), by in FOUND.items()
        if who == role
        for language, rules in by.items()
        if rules
    }
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


# Where the focus is, and how it shows: the outline drawn round the focused element, and the
# contrast of its colour with the background around it (WCAG 1.4.11: 3:1 at least).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rgba = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  let around = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) { around = colour; break; }
  }
  const [light, dark] = [luminance(rgba(style.outlineColor)), luminance(around)].sort((a, b) => b - a);
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
    checked: Boolean(el.checked), text: (el.innerText || "").trim().slice(0, 60),
    form: el.form ? el.form.id || (el.form.hasAttribute("data-intake") ? "intake" : "") : "",
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth), contrast: (light + 0.05) / (dark + 0.05),
  };
}"""


def tab(page, key: str = "Tab") -> dict:
    page.keyboard.press(key)
    return page.evaluate(FOCUSED)


def test_the_birth_intake_with_the_keyboard_alone_and_the_focus_always_visible(page, live_server, portal):
    portal("clerk.16690")
    page.goto(live_server.url + "/clerk/new/birth/")
    to_type = dict(BIRTH)
    choices = {"variant": variant(page, ["birth_registration", "health_insurance_card"]), "child-sex": "female"}
    unseen: list[str] = []
    focused = tab(page)
    assert (focused["tag"], focused["text"]) == ("a", "Bỏ qua đến nội dung chính")  # the skip link first
    previous = None
    for _ in range(120):
        if focused["outline"] == "none" or focused["width"] < 2 or focused["contrast"] < 3:
            unseen.append(f"{focused['tag']} {focused['name'] or focused['text']}: {focused}")
        name = focused["name"]
        if name in choices and focused["value"] != choices[name]:
            focused = tab(page, "ArrowDown")  # the arrows move through a group of radios, ticking each
            continue
        if name in choices and not focused["checked"]:
            page.keyboard.press("Space")
        if name in to_type:
            page.keyboard.type(to_type.pop(name))
            if name == "child-full_name":  # Shift+Tab goes back to the field before, Tab comes back
                screenshot(page, "a11y-focus-ring")
                assert tab(page, "Shift+Tab")["name"] == previous
                assert tab(page)["name"] == name
        if focused["tag"] == "button" and focused["form"] == "intake":
            break
        previous = name
        focused = tab(page)
    assert to_type == {}, f"never reached with Tab: {sorted(to_type)}"
    with page.expect_navigation():  # Enter posts the form: wait for the page it answers with
        page.keyboard.press("Enter")
    refused = page.locator("#error-summary").all_inner_texts()  # what the form said, should it be refused
    assert (page.get_by_role("heading", level=1).inner_text(), refused) == ("Xem lại hồ sơ", [])

    # The review: Tab to the button that files the dossier, and Enter files it.
    focused = tab(page)
    for _ in range(60):
        if focused["outline"] == "none" or focused["width"] < 2 or focused["contrast"] < 3:
            unseen.append(f"{focused['tag']} {focused['name'] or focused['text']}: {focused}")
        if focused["tag"] == "button" and focused["text"] == "Nộp hồ sơ":
            break
        focused = tab(page)
    assert focused["text"] == "Nộp hồ sơ"
    page.keyboard.press("Enter")
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    assert unseen == []
