"""Keyboard only: the skip link, a visible focus ring on everything that takes focus, no keyboard traps,
and the main tasks done with Tab, Shift+Tab, Enter, Space, the arrow keys and Escape."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD
from tests.browser.a11y import DEMO_EMAILS, World, seed_world, settle, sign_in_as
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What has focus: its tag, an id for it on this page (data-kb, see _number_tabbables), whether it is
# inside <main>, and whether its focus ring shows (an outline of 2px or more, or a box-shadow).
FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow !== "none" && !/ 0px 0px 0px 0px/.test(s.boxShadow);
  return {
    tag: el.tagName.toLowerCase(), kb: el.dataset.kb || null, inMain: !!el.closest("main"),
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    ring: outline || shadow, html: el.outerHTML.slice(0, 120),
  };
}
"""

# Numbers every element the keyboard should reach (visible, enabled, not taken out of the tab order).
NUMBER_TABBABLES = """
() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  const all = Array.from(document.querySelectorAll(selector)).filter((el) =>
    !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden" && !el.closest("[inert]"));
  // Radio groups take one tab stop: keep the checked one, or the first of each name.
  const seenRadio = new Set();
  const stops = all.filter((el) => {
    if (el.type !== "radio") return true;
    const group = el.form ? el.form.querySelectorAll(`input[type=radio][name="${el.name}"]`) : [el];
    const chosen = Array.from(group).find((r) => r.checked) || group[0];
    if (seenRadio.has(el.name) || el !== chosen) return false;
    seenRadio.add(el.name);
    return true;
  });
  stops.forEach((el, i) => { el.dataset.kb = String(i); });
  return stops.length;
}
"""


def focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def tab_to(page: Any, selector: str, *, key: str = "Tab", limit: int = 200) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            now = focused(page)
            assert now is not None
            return now
    raise AssertionError(f"{key} never reached {selector} on {page.url}")


def walk(page: Any, key: str = "Tab") -> list[dict[str, Any]]:
    """Press Tab (or Shift+Tab) from where focus is until focus leaves the page (or comes round again);
    one stop per element.

    A trap is focus that stays on one element (a date input takes four presses: its three parts and the picker) or
    never leaves the page."""
    stops: list[dict[str, Any]] = []
    same = 0
    for _ in range(600):
        page.keyboard.press(key)
        now = focused(page)
        if now is None or (now["kb"] is not None and now["kb"] in {s["kb"] for s in stops[:-1]}):
            return stops  # left the page, or came round to its start again
        if stops and now["html"] == stops[-1]["html"] and now["kb"] == stops[-1]["kb"]:
            same += 1
            assert same < 4, f"keyboard trap on {page.url}: {now['html']}"
            continue
        same = 0
        stops.append(now)
    raise AssertionError(f"focus never left {page.url} (a keyboard trap?): last on {stops[-1]['html']}")


def assert_fully_keyboard_usable(page: Any, label: str) -> None:
    """From the top of the freshly loaded page, Tab reaches every tab stop in order, each with a visible
    focus ring, and leaves the page; Shift+Tab then comes back through them all in reverse."""
    page.goto(page.url)
    settle(page)
    expected = page.evaluate(NUMBER_TABBABLES)
    forward = walk(page, "Tab")
    reached = [s["kb"] for s in forward]
    assert reached == [str(i) for i in range(expected)], f"{label}: Tab order {reached} of {expected} stops"
    no_ring = [s["html"] for s in forward if not s["ring"]]
    assert not no_ring, f"{label}: focus is not visible on {no_ring}"
    backward = [s["kb"] for s in walk(page, "Shift+Tab")]
    assert backward == list(reversed(reached)), f"{label}: Shift+Tab order {backward}"


@pytest.fixture
def world(page: Any) -> World:
    page.emulate_media(reduced_motion="reduce")  # Bootstrap then draws focus rings without a transition
    return seed_world()


def test_a_participant_works_with_the_keyboard_only(page: Any, world: World) -> None:
    from requirements_tracking.models import ChecklistEntry

    # Sign in: type, Tab, type, Enter.
    page.goto("/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(DEMO_EMAILS["participant"])
    tab_to(page, "#id_password")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/" not in page.url

    # The first Tab reaches the skip link, which shows and moves focus to the main content.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip is not None and skip["text"] == "Skip to main content" and skip["ring"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10, "the skip link stays hidden"
    shot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is not None and after["inMain"], after

    # The "More" menu: Space opens it, Escape closes it and focus goes back, arrows reach a link.
    more = page.get_by_role("button", name="More")
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "nav .dropdown-toggle:not([data-testid])")
    assert focused(page)["text"] == "More"  # type: ignore[index]
    page.keyboard.press("Space")
    assert more.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert more.get_attribute("aria-expanded") == "false"
    assert focused(page)["text"] == "More"  # type: ignore[index]
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    target = focused(page)
    assert target is not None and target["tag"] == "a", target
    shot(page, "keyboard-more-menu")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").count() == 1

    # Tick a checklist entry: choose the session with the arrow keys, Tab to Record, press Space.
    page.goto("/requirements/")
    assert_fully_keyboard_usable(page, "checklist")
    form = "[data-testid=record-core_series]"
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, f"{form} select[name=number]")
    chosen = page.locator(f"{form} select[name=number]").input_value()
    page.keyboard.press("ArrowDown")
    assert page.locator(f"{form} select[name=number]").input_value() != chosen
    number = int(page.locator(f"{form} select[name=number]").input_value())
    tab_to(page, f"{form} button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert ChecklistEntry.objects.filter(requirement__code="core_series", number=number).exists()
    assert "5 of 10" in page.get_by_test_id("count-core_series").inner_text()

    for path in ("/", "/metrics/reports/", "/groups/"):
        page.goto(path)
        assert_fully_keyboard_usable(page, path)


def test_staff_work_a_queue_with_the_keyboard_only(page: Any, world: World) -> None:
    from enrollment.models import Application
    from staff_console.models import StaffReminder

    sign_in_as(page, "staff")
    page.goto(world.url("staff_console:queue", "queue"))
    assert_fully_keyboard_usable(page, "applications queue")

    # Choose the row with Space, write the reminder, send it with Enter on the button.
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "[data-testid=queue-row] input[name=ids]")
    page.keyboard.press("Space")
    assert page.locator("[data-testid=queue-row] input[name=ids]").first.is_checked()
    tab_to(page, "#r-subject")
    page.keyboard.type("Your application")
    page.keyboard.press("Tab")
    page.keyboard.type("We will review it this week.")
    tab_to(page, "[data-testid=send-reminder]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert StaffReminder.objects.count() == 1

    # The row's action: Review, then Approve (start date blank: today).
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "[data-testid=queue-row] a.btn")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_fully_keyboard_usable(page, "application")
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "[data-testid=approve]")
    shot(page, "keyboard-approve")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Application.objects.get(pk=world.args["application"]["pk"]).status == "approved"

    # Shift+Tab goes back up through the page to the navigation.
    page.goto(world.url("staff_console:home"))
    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, "nav .dropdown-toggle[data-testid=user-menu]", key="Shift+Tab")
