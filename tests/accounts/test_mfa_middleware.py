"""With REQUIRE_MFA_FOR_STAFF on, staff roles must enrol TOTP before anything else."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from equityhub.accounts.models import Role
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ACTIVATE_TOTP = reverse("mfa_activate_totp")


@pytest.fixture(autouse=True)
def _require_mfa(settings):
    settings.REQUIRE_MFA_FOR_STAFF = True


def with_totp(user):
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def test_the_activation_url_is_allauths_totp_page():
    assert ACTIVATE_TOTP == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize(
    "role",
    [Role.OFFICE_ADMIN, Role.PROGRAM_COORDINATOR, Role.LEADERSHIP_VIEWER],
)
def test_staff_without_totp_are_sent_to_set_it_up(make_user, client_for, role):
    response = client_for(make_user(role)).get("/people/")

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP


def test_a_scoped_staff_role_without_totp_is_sent_to_set_it_up(make_user, client_for):
    user = make_user(Role.SITE_SUPERVISOR, scope=OrganizationFactory())
    assert client_for(user).get("/").status_code == 302


def test_a_superuser_without_totp_is_sent_to_set_it_up(make_user, client_for):
    user = make_user(None)
    user.is_superuser = True
    user.save()
    assert client_for(user).get("/")["Location"] == ACTIVATE_TOTP


def test_staff_without_totp_may_still_reach_the_setup_page_and_health_check(admin_user, client_for):
    client = client_for(admin_user)
    response = client.get(ACTIVATE_TOTP)
    # allauth asks a session that did not log in through its own views to re-enter the
    # password first; that page is reachable too, so there is no redirect loop.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_member_is_not_redirected(member, client_for):
    assert client_for(member).get("/people/me/").status_code == 200


def test_the_setting_off_lets_staff_through(admin_user, client_for, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    assert client_for(admin_user).get("/people/").status_code == 200


def test_staff_with_a_totp_authenticator_pass(admin_user, client_for):
    response = client_for(with_totp(admin_user)).get("/people/")
    assert response.status_code == 200


def test_recovery_codes_alone_are_not_enough(admin_user, client_for):
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    assert client_for(admin_user).get("/people/").status_code == 302


def test_staff_api_session_requests_without_totp_get_403_json(admin_user, client_for):
    response = client_for(admin_user).get("/api/v1/openapi.json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "authenticator" in response.json()["detail"]


def test_staff_api_requests_with_a_bearer_token_are_not_stopped_by_the_middleware(
    admin_user, client_for
):
    response = client_for(admin_user).get(
        "/api/v1/openapi.json", headers={"Authorization": "Bearer eh_not-checked-here"}
    )
    assert response.status_code == 200


def test_a_made_up_bearer_token_does_not_let_a_session_past_the_mfa_requirement(
    admin_user, client_for
):
    response = client_for(admin_user).get(
        "/api/v1/people", headers={"Authorization": "Bearer eh_made-up"}
    )
    assert response.status_code == 401


def test_staff_api_requests_with_totp_pass(admin_user, client_for):
    assert client_for(with_totp(admin_user)).get("/api/v1/openapi.json").status_code == 200


def test_anonymous_visitors_are_not_redirected(client):
    assert client.get("/").status_code == 200
