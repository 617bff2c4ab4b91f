from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import ApiToken, User, hash_token
from equityhub.accounts.services import create_api_token, user_for_token
from equityhub.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create-api-token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_only_a_token_that_authenticates(admin_user):
    out, err = run(admin_user.email)
    token = out.strip()
    assert out == token + "\n"
    assert token.startswith("eh_")
    assert token not in err
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/people").status_code == 200


def test_the_command_stores_only_the_digest(member):
    token = run(member.email)[0].strip()
    row = ApiToken.objects.get(user=member)
    assert row.digest == hash_token(token)
    assert token not in {row.digest, row.name, row.prefix}
    assert AuditEntry.objects.filter(action="accounts.api_token.created").exists()


def test_the_command_finds_the_user_whatever_the_case(member):
    token = run(member.email.upper())[0].strip()
    assert user_for_token(token) == member


def test_the_command_names_and_expires_the_token(member):
    run(member.email, "--name", "nightly sync", "--expires-days", "30")
    row = ApiToken.objects.get(user=member)
    assert row.name == "nightly sync"
    assert row.expires_at is not None
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs(row.expires_at - expected) < dt.timedelta(minutes=1)


def test_the_command_gives_a_default_name(member):
    run(member.email)
    assert ApiToken.objects.get(user=member).name.strip()


def test_the_command_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match=re.escape("nobody@example.org")):
        run("nobody@example.org")
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_inactive_user(member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run(member.email)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", ["0", "-3", "100000"])
def test_the_command_refuses_an_impossible_expiry(member, days):
    with pytest.raises(CommandError, match="expires-days"):
        run(member.email, "--expires-days", days)


def test_a_token_of_someone_else_does_not_act_as_you(member, admin_user):
    _row, raw = create_api_token(user=member, name="mine", actor=member)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/people").status_code == 403


def test_a_token_without_the_prefix_or_too_long_is_refused(member):
    _row, raw = create_api_token(user=member, name="mine", actor=member)
    assert user_for_token(raw.removeprefix("eh_")) is None
    assert user_for_token(raw + "x" * 300) is None


def test_a_token_made_on_the_page_authenticates_and_is_shown_once(member, client_for):
    client = client_for(member)
    response = client.post("/account/tokens/", {"name": "laptop"})
    assert response.status_code == 200
    match = re.search(r'id="new-token">([^<]+)<', response.content.decode())
    assert match
    token = match.group(1).strip()
    assert user_for_token(token) == member
    assert token not in client.get("/account/tokens/").content.decode()
    api = Client(headers={"Authorization": f"Bearer {token}"})
    own = api.get(f"/api/v1/people/{member.person.pk}")
    assert own.status_code == 200
