"""Playwright against the system Chromium, with pytest-django's live server.

Run with `make test-browser`; the tests are skipped in the ordinary pass (tests/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import Page, expect

from equityhub.accounts.models import User
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; without this, Django's guard raises
# SynchronousOnlyOperation on every query the test itself makes (`make test-browser` sets it too).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("EQUITYHUB_SCREENSHOTS", Path(tempfile.gettempdir(), "eh-shots")))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright cannot download its own browser here: drive the distribution's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


def stylesheet_is_found() -> bool:
    return finders.find("css/equityhub.css") is not None


@pytest.fixture
def site(live_server: Any, transactional_db: Any) -> str:
    """The live server's root URL, with a database its thread can see the test's rows in."""
    return str(live_server.url)


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return page


@pytest.fixture
def sign_in(page: Page, site: str) -> Callable[[User], None]:
    """Sign in through the real login form, as a person would."""

    def run(user: User) -> None:
        page.goto(f"{site}/accounts/login/")
        page.locator("#id_login").fill(user.email)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{site}/")

    return run


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
