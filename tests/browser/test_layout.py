"""Issue 26 §7 (layout): at 1280, 768 and 412 px wide, on the desk's list and a dossier's page, an
officer's queue, the dashboard, the funeral-amounts report, a partner's integration page and the
tracking page, what people read at a glance stays whole: a state pill, a dossier code, an amount,
the header's language button and the footer's links each on one line; a wide table scrolls inside
its card, never the page; no heading leaves a "·" at the end of a line; the page head's button and
link sit centred on one line. The hospital look-up box on the intake page looks like the form below
it. Screenshots at each width go to var/screenshots/layout-*.png."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from agencies.models import User
from cases.models import Bundle, Step, StepState
from outbound.models import Attempt, Delivery, Subscription, Target
from tests.browser.conftest import screenshot
from tests.chromium import track

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 768, 412)

# Each element the selector finds, visible: its text, its height, its line height, and its wrapping.
MEASURE = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.offsetParent !== null).map((el) => {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  const rects = [...el.getClientRects()];
  const lines = new Set(rects.map((rect) => Math.round(rect.top))).size;
  return {text: el.innerText.trim(), height: el.getBoundingClientRect().height, line, lines,
          wrap: style.overflowWrap, wordBreak: style.wordBreak};
})"""


# The header's language button beside the brand or the account, not on a row of its own.
LANGUAGE_ALONE = """() => {
  const button = document.querySelector(".language button").getBoundingClientRect();
  const middle = (button.top + button.bottom) / 2;
  return ![...document.querySelectorAll(".brand, .account")].some((el) => {
    const row = el.getBoundingClientRect();
    return row.top <= middle && middle <= row.bottom;
  });
}"""


# A separator ("·") left at the end of a line, what it separates pushed onto the next.
DANGLING_SEPARATOR = """() => [...document.querySelectorAll("h1, h2")].filter((el) => el.offsetParent !== null)
  .flatMap((heading) => [...heading.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE
      && node.textContent.trim() === "·" && node.nextElementSibling).map((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const dot = [...range.getClientRects()].filter((rect) => rect.width > 0).pop();
    const next = node.nextElementSibling.getClientRects()[0];
    return dot && next && Math.abs(dot.top - next.top) > 4 ? heading.innerText : null;
  })).filter(Boolean)"""

# The page head's actions (a button, a link) centred on one line, and no line repeating the heading's unit alone.
HEAD_ACTIONS = """() => {
  const middles = [...document.querySelectorAll(".page-head .actions > *")].map((el) => {
    const range = document.createRange();  // where its text is, not its box (a stretched flex item)
    range.selectNodeContents(el);
    const rect = range.getBoundingClientRect();
    return [rect.top, rect.bottom];
  });
  const crumbs = [...document.querySelectorAll("nav.breadcrumb")].filter((el) => !el.querySelector("a"))
    .map((el) => el.innerText.trim());
  return {middles, crumbs};
}"""


def on_more_than_one_line(page, selector: str) -> list[str]:
    """The elements `selector` finds that wrap: taller than two lines of their text, or laid out
    over several line boxes (an inline link broken in two)."""
    found = page.evaluate(MEASURE, selector)
    assert found, f"nothing matches {selector} on {page.url}"
    return [
        f"{el['text']!r} ({el['height']:.0f} px)" for el in found if el["height"] >= 2 * el["line"] or el["lines"] > 1
    ]


def test_pills_codes_and_header_stay_on_one_line_at_desktop_tablet_and_phone_widths(page, live_server, portal):
    call_command("seed_demo_dossiers", verbosity=0)
    bundle = Bundle.objects.order_by("pk").first()
    longest = Bundle.objects.annotate(n=Count("events")).order_by("-n", "pk").first()  # the longest history
    today = timezone.localdate()
    funeral = Step.objects.filter(procedure_id="funeral_allowance").order_by("pk").first()
    Step.objects.filter(pk=funeral.pk).update(  # paid above the table, with the officer's reason
        state=StepState.DONE, finished_at=timezone.now(), claimant=User.objects.get(username="clerk.16690"),
        result={"decision_number": "QĐ-5", "amount_vnd": 15_000_000, "amount_rule_vnd": 10_000_000,
                "amount_reason": "Nghị quyết 12/2025/NQ-HĐND của tỉnh nâng mức hỗ trợ mai táng"},
    )  # fmt: skip
    partner = User.objects.get(username="portal.integration")  # a webhook whose address refused the connection
    hook = Subscription.objects.create(client=partner, url="http://127.0.0.1:9399/hook", events=["*"], secret="s")
    error = "ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9399): Max retries exceeded with url: /hook"
    sent = Delivery.objects.create(
        target=Target.WEBHOOK, subscription=hook, bundle=bundle, event="step_done", position=1, payload={},
        attempts=1, last_error=error,
    )  # fmt: skip
    Attempt.objects.create(delivery=sent, error=error)
    week = f"from={today - datetime.timedelta(days=6):%Y-%m-%d}&to={today:%Y-%m-%d}"
    pages = {
        "clerk.16690": [
            ("desk", "/clerk/", "#bundle-rows td:first-child > a"),
            ("bundle", f"/bundles/{longest.code}/", ""),
            ("bundle-en", f"/bundles/{longest.code}/", ""),  # English, whose history is wider still
        ],
        "civil_status.16690": [("queue", "/queue/", "tr[id^=step-] td:nth-child(2) > a")],
        "province.40": [
            ("dashboard", "/reports/", ""),
            ("funeral-amounts", f"/reports/funeral-amounts/?{week}", "table.list td:first-child > .code"),
        ],
        "portal.integration": [("integration", "/integration/", "#deliveries td > .code")],
        "": [("tracking", "", "")],
    }
    wrapped: dict[str, list[str]] = {}
    for username, visits in pages.items():
        if username:
            portal(username)
        else:
            page.context.clear_cookies()
        for name, path, codes in visits:
            if name.endswith("-en"):
                page.locator('.language button[value="en"]').click()
                page.wait_for_load_state()
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                if path:
                    page.goto(live_server.url + path)
                else:
                    track(page, live_server.url, bundle.code, bundle.applicant_id_last4)
                page.wait_for_load_state("networkidle")
                screenshot(page, f"layout-{name}-{width}")
                checks = {
                    "state pill": ".state",
                    "language button": ".language button",
                    "footer link": ".site-footer a",
                }
                if codes:
                    checks["dossier code"] = codes
                if name == "funeral-amounts":
                    checks["amount"] = "table.list .amount"
                for what, selector in checks.items():
                    if what == "state pill" and name in ("dashboard", "funeral-amounts", "integration"):
                        continue  # no state shown
                    if found := on_more_than_one_line(page, selector):
                        wrapped[f"{name} at {width} px: {what}"] = found
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:  # WCAG 1.4.10: a wide table scrolls in its card, the page does not
                    wrapped[f"{name} at {width} px: page"] = [f"{overflow} px wider than the window"]
                if dangling := page.evaluate(DANGLING_SEPARATOR):
                    wrapped[f"{name} at {width} px: heading"] = [f"{text!r} ends a line with '·'" for text in dangling]
                head = page.evaluate(HEAD_ACTIONS)
                if askew := [  # side by side (their heights overlap), but not centred on one line
                    (a, b) for a, b in itertools.pairwise(head["middles"])
                    if a[0] < b[1] and b[0] < a[1] and abs(a[0] + a[1] - b[0] - b[1]) / 2 > 3
                ]:  # fmt: skip
                    wrapped[f"{name} at {width} px: page head's actions"] = [f"{a} beside {b}" for a, b in askew]
                if head["crumbs"]:  # the unit of the heading, alone on a line below it
                    wrapped[f"{name} at {width} px: breadcrumb"] = head["crumbs"]
                if page.evaluate(LANGUAGE_ALONE):
                    wrapped[f"{name} at {width} px: language button"] = ["on a row of its own"]
                footer = page.evaluate(MEASURE, ".site-footer, .site-footer a")
                assert {(el["wrap"], el["wordBreak"]) for el in footer} == {("normal", "normal")}

    assert wrapped == {}


LOOKS = """(el) => {
  const style = getComputedStyle(el);
  return [style.borderTopStyle, style.borderTopWidth, style.borderTopColor, style.borderRadius, style.paddingTop,
          style.fontSize, style.fontFamily];
}"""


def test_the_hospital_look_up_box_is_styled_as_the_form_below_it(page, live_server, portal):
    portal("clerk.16690")
    for kind in ("birth", "death"):
        page.goto(f"{live_server.url}/clerk/new/{kind}/")
        look_up = page.locator("#notice-lookup input[name=certificate]")
        field = page.locator('.field input[name="applicant-full_name"]')

        assert look_up.evaluate(LOOKS) == field.evaluate(LOOKS)
        label = page.locator("#notice-lookup label")
        assert label.evaluate("(el) => getComputedStyle(el).fontWeight") == "600"
        screenshot(page, f"layout-look-up-{kind}")
