from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_directory_renders_for_an_office_admin(admin_user, client_for):
    response = client_for(admin_user).get("/people/")
    assert response.status_code == 200
    assert b'<html lang="en">' in response.content


def test_my_profile_renders(member, client_for):
    response = client_for(member).get("/people/me/")
    assert response.status_code == 200


def test_the_login_page_renders_in_the_project_layout(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'id="main"' in response.content
