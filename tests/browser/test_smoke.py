"""Smoke test in a real browser: sign in, see the projects, open one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import BrowserPage, verified
from tests.factories import person
from tests.projects.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delivery_leader_signs_in_lists_projects_and_opens_one(
    browser_page: BrowserPage, unit
) -> None:  # type: ignore[no-untyped-def]
    verified(person("leader@example.com", "delivery_leader", full_name="Mitchell Admin",
                    password="leader-password"))  # fmt: skip
    project = ProjectFactory(name="Office Design", business_unit=unit)
    ProjectFactory(name="Home Construction", business_unit=unit)
    TaskFactory(project=project, name="Kitchen layout")
    MilestoneFactory(project=project, name="Design approved")
    page = browser_page.page

    browser_page.sign_in("leader@example.com", "leader-password")
    browser_page.screenshot("home-delivery-leader")
    assert page.locator("h1").inner_text() == "Welcome, Mitchell Admin"

    browser_page.goto(reverse("projects:list"))
    assert page.locator("#project-table").get_by_text("Home Construction").is_visible()
    browser_page.screenshot("project-list")

    page.fill("#id_q", "office")
    page.wait_for_function(
        "() => !document.querySelector('#project-table').innerText.includes('Home Construction')"
    )
    assert "q=office" in page.url  # hx-push-url keeps the filter in the address bar

    page.get_by_role("link", name="Office Design").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Office Design")
    assert page.get_by_text("Kitchen layout").is_visible()
    assert page.get_by_text("Design approved").is_visible()
    browser_page.screenshot("project-page")


def test_login_page_shows_an_error_for_a_wrong_password(browser_page: BrowserPage) -> None:
    person("someone@example.com", "consultant", password="right-password")

    browser_page.sign_in("someone@example.com", "wrong-password")

    assert browser_page.page.locator(".form-error").is_visible()
    browser_page.screenshot("login-error")
