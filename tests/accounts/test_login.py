"""Logging in with django-allauth: e-mail login, verification, password reset, rate limits."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _empty_cache():
    # allauth keeps its rate-limit counters in the default cache.
    cache.clear()
    yield
    cache.clear()


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_a_user_logs_in_with_their_email(client):
    user = UserFactory(email="maya@example.org")

    response = client.post(LOGIN, {"login": "maya@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_the_email_is_matched_regardless_of_case(client):
    user = UserFactory(email="maya@example.org")

    response = client.post(LOGIN, {"login": "  MAYA@Example.ORG ", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_a_wrong_password_does_not_log_in(client):
    UserFactory(email="maya@example.org")

    response = client.post(LOGIN, {"login": "maya@example.org", "password": "wrong password"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_an_unverified_email_cannot_log_in_under_mandatory_verification(client):
    user = UserFactory(email="new@example.org", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = client.post(LOGIN, {"login": "new@example.org", "password": PASSWORD})

    assert logged_in_user_id(client) is None
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert [message.to for message in mail.outbox] == [["new@example.org"]]


def test_an_inactive_user_cannot_log_in(client):
    UserFactory(email="gone@example.org", is_active=False)
    client.post(LOGIN, {"login": "gone@example.org", "password": PASSWORD})
    assert logged_in_user_id(client) is None


def test_a_password_reset_sends_an_email(client):
    UserFactory(email="maya@example.org")

    response = client.post("/accounts/password/reset/", {"email": "Maya@Example.org"})

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["maya@example.org"]
    assert "/accounts/password/reset/key/" in message.body


def test_repeated_failed_logins_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    UserFactory(email="maya@example.org")
    wrong = {"login": "maya@example.org", "password": "wrong password"}

    for _attempt in range(3):
        response = client.post(LOGIN, wrong)
        assert response.status_code == 200
        assert "Too many" not in response.text

    response = client.post(LOGIN, wrong)

    assert response.status_code == 429 or "Too many failed login attempts" in response.text
    # Even the right password is refused until the window passes.
    response = client.post(LOGIN, {"login": "maya@example.org", "password": PASSWORD})
    assert logged_in_user_id(client) is None
