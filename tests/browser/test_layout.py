"""Issue 26 §7 (layout): at 1280, 768 and 412 px wide, on the desk's list, an officer's queue, the
dashboard and the tracking page, what people read at a glance stays whole: a state pill, a dossier
code, the header's language button and the footer's links each on one line; the hospital
look-up box on the intake page looks like the form below it. Screenshots at each width go to
var/screenshots/layout-*.png."""

import pytest
from django.core.management import call_command

from cases.models import Bundle
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
    pages = {
        "clerk.16690": [("desk", "/clerk/", "#bundle-rows td:first-child > a")],
        "civil_status.16690": [("queue", "/queue/", "tr[id^=step-] td:nth-child(2) > a")],
        "province.40": [("dashboard", "/reports/", "")],
        "": [("tracking", "", "")],
    }
    wrapped: dict[str, list[str]] = {}
    for username, visits in pages.items():
        if username:
            portal(username)
        else:
            page.context.clear_cookies()
        for name, path, codes in visits:
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
                for what, selector in checks.items():
                    if what == "state pill" and name == "dashboard":
                        continue  # the dashboard shows no state
                    if found := on_more_than_one_line(page, selector):
                        wrapped[f"{name} at {width} px: {what}"] = found
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:  # WCAG 1.4.10: a wide table scrolls in its card, the page does not
                    wrapped[f"{name} at {width} px: page"] = [f"{overflow} px wider than the window"]
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
