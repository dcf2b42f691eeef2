"""Login, account pages inside our layout, the home page per persona, htmx login redirect."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.models import User
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_page_renders_email_and_password_in_our_layout() -> None:
    response = Client().get(reverse("account_login"))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="login"' in body and 'type="email"' in body
    assert 'name="password"' in body
    assert 'class="brand"' in body
    assert "sign up" not in body.lower()  # sign-up is closed except by invitation


def test_login_with_wrong_password_shows_an_error(outsider: User) -> None:
    response = Client().post(
        reverse("account_login"), {"login": outsider.email, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "form-error" in response.content.decode()


def test_two_factor_page_renders_inside_our_layout(outsider: User) -> None:
    response = signed_in(outsider).get(reverse("mfa_index"))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="brand"' in body
    assert 'aria-label="Account settings"' in body
    assert "Authenticator" in body


def test_home_requires_login() -> None:
    response = Client().get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_of_a_person_without_roles_says_so(outsider: User) -> None:
    response = signed_in(outsider).get(reverse("home"))

    assert "You hold no role yet" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "panel"),
    [
        ("delivery_leader", "Portfolio"),
        ("project_manager", "My projects"),
        ("account_manager", "Accounts"),
        ("resource_manager", "Staffing"),
        ("finance", "Billing"),
        ("consultant", "My work"),
        ("operator", "Odoo sync"),
    ],
)
def test_home_shows_the_panel_of_each_persona(role: str, panel: str) -> None:
    user = person(f"{role}@example.com", role)

    response = signed_in(user).get(reverse("home"))

    titles = [item.panel.title for item in response.context["panels"]]
    assert panel in titles


def test_home_hides_panels_of_roles_not_held() -> None:
    user = person("consultant@example.com", "consultant")

    response = signed_in(user).get(reverse("home"))

    assert [item.panel.title for item in response.context["panels"]] == ["My work"]


def test_htmx_request_with_expired_session_is_sent_to_login_with_next() -> None:
    # C13 point 3: htmx must navigate the whole page to the login, not swap the form in.
    response = Client().get(
        reverse("projects:list"),
        {"q": "x"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/projects/?q=x"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("account_login") + "?next=%2Fprojects%2F"


def test_plain_request_with_expired_session_gets_an_ordinary_redirect() -> None:
    response = Client().get(reverse("projects:list"))

    assert response.status_code == 302
    assert "HX-Redirect" not in response
