"""Browser tests: Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven by Playwright's sync API
against pytest-django's live server. One browser context per person (own cookies), desktop or phone sized.

Each Person collects console errors (Chromium logs CSP violations there), uncaught page errors and dialogs, so a
test can check after every page that nothing went wrong. Screenshots go to test-artifacts/screenshots/.

Playwright is imported inside the fixtures only: without it (or without Chromium) these tests skip, so the rest of
the suite never depends on it; with CI=true a missing browser fails instead of skipping."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "jiedai-demo"

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def _unavailable(reason: str):
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module. While it runs, Playwright's event loop is the thread's running loop, and
    Django would refuse the ORM calls the tests (and the database teardown) make: allow them for these tests."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        expect.set_options(timeout=TIMEOUT_MS)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Person:
    """Someone at their own browser: a context (cookies), one page, and what went wrong on it."""

    def __init__(self, browser, base_url: str, username: str, device: dict, prefix: str):
        self.username = username
        self.prefix = prefix
        self.context = browser.new_context(
            base_url=base_url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            reduced_motion="reduce",  # no smooth scrolling or collapse animations to wait for
            **device,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.accept_dialogs = 0  # how many upcoming confirm() dialogs to accept (the rest are dismissed)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error} ({self.page.url})"))
        self.page.on("dialog", self._on_dialog)

    def _on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({self.page.url})")

    def _on_dialog(self, dialog):
        self.dialogs.append((dialog.type, dialog.message))
        if self.accept_dialogs > 0:
            self.accept_dialogs -= 1
            dialog.accept()
        else:
            dialog.dismiss()

    # ---- navigation --------------------------------------------------------------------------------------
    def goto(self, path: str):
        response = self.page.goto(path, wait_until="domcontentloaded")
        self.page.wait_for_load_state("load")
        return response

    def login(self, password: str = PASSWORD):
        """Log in through the login page, as a person would; lands on the home page (工作台)."""
        from playwright.sync_api import expect

        self.goto("/")
        expect(self.page.get_by_role("heading", name="登录接待管理系统")).to_be_visible()
        self.page.get_by_label("用户名").fill(self.username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录", exact=True).click()
        expect(self.page.get_by_role("heading", name=re.compile("^您好，"))).to_be_visible()
        self.page.wait_for_load_state("load")
        self.check()

    # ---- checks --------------------------------------------------------------------------------------------
    def allow(self, pattern: str):
        """Forget the problems that match (an expected one, e.g. the 404 of a page that is meant to be missing)."""
        self.problems = [p for p in self.problems if not re.search(pattern, p)]

    def check(self):
        """No console errors (CSP violations included), no uncaught errors, no unexpected dialogs so far."""
        problems, self.problems = self.problems, []
        assert not problems, f"{self.username}: " + "\n".join(problems)
        unexpected = [d for d in self.dialogs if d[0] != "confirm"]
        assert not unexpected, f"{self.username}: unexpected dialogs {unexpected}"

    def no_horizontal_scroll(self):
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{self.page.url} scrolls sideways by {overflow}px"

    # ---- screenshots --------------------------------------------------------------------------------------
    def shot(self, name: str, full_page: bool = True) -> Path:
        """A screenshot once the page has settled (network idle, web fonts loaded, no animation running)."""
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        if full_page:
            # from the top, or the sticky navbar is drawn where the page happened to be scrolled to
            self.page.evaluate("() => window.scrollTo({top: 0, left: 0, behavior: 'instant'})")
            self.page.wait_for_function("() => window.scrollY === 0")
        path = SCREENSHOTS / f"{self.prefix}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        viewport = self.page.viewport_size
        if full_page:
            # A window as tall as the page: Chromium's own full-page capture would draw the sticky bars (the
            # navbar, the form's buttons) where they sit in the real window, in the middle of the picture.
            height = self.page.evaluate("() => document.documentElement.scrollHeight")
            self.page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
            self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => done(true)))")
        try:
            self.page.screenshot(path=str(path), animations="disabled", caret="hide")
        finally:
            if full_page:
                self.page.set_viewport_size(viewport)
        self.check()
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def open_as(chromium, live_server, people, request, settings):
    """open_as("sales_rep") / open_as("vp_sales", phone=True): a logged-out person at their own browser.

    Pages are replayed from the cache as in production (core.page_cache): each story also checks that no page a
    person reads again after a change is stale."""
    settings.PAGE_CACHE_SECONDS = 60
    opened: list[Person] = []
    prefix = re.sub(r"^test_", "", request.node.name)

    def _open(username: str, phone: bool = False) -> Person:
        person = Person(chromium, live_server.url, username, PHONE if phone else DESKTOP, prefix)
        opened.append(person)
        return person

    yield _open
    for person in opened:
        person.close()
