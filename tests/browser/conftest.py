"""Browser fixtures: Debian's Chromium driven by Playwright against `live_server`.

`browser_page` is for any app's smoke test: it yields a fresh page and a helper to
sign in; screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class BrowserPage:
    """A Playwright page bound to the live server, with sign-in and screenshot helpers."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def sign_in(self, email: str, password: str) -> None:
        from django.urls import reverse

        self.goto(reverse("account_login"))
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def playwright_browser(chromium: str) -> Iterator[Any]:  # type: ignore[misc]
    # Playwright's sync API runs its own event loop; Django's async-safety check would
    # otherwise refuse the ORM calls that tests make in the same thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium() -> str:  # type: ignore[override]
    """Session-scoped twin of the root `chromium` fixture (skip or fail when absent)."""
    import shutil

    from tests.conftest import needs

    path = shutil.which("chromium") or "/usr/bin/chromium"
    needs("Chromium", Path(path).exists(), "apt-get install chromium")
    return path


@pytest.fixture
def browser_page(playwright_browser: Any, live_server: Any) -> Iterator[BrowserPage]:
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield BrowserPage(page, live_server.url)
    context.close()


def verified(user: Any) -> Any:
    """Give `user` the verified primary email allauth requires before it lets them in."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
