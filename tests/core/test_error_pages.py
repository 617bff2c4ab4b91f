from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_forbidden_page_renders_in_the_layout(member, client_for):
    response = client_for(member).get("/people/")
    assert response.status_code == 403
    assert b'lang="en"' in response.content
    assert b'id="main"' in response.content


def test_a_missing_page_renders_in_the_layout(member, client_for):
    response = client_for(member).get("/people/999999/")
    assert response.status_code == 404
    assert b'id="main"' in response.content
    assert b"Page not found" in response.content


def test_a_forbidden_page_speaks_spanish(member, client_for, settings):
    client = client_for(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/people/")
    assert response.status_code == 403
    assert b'lang="es"' in response.content
    assert b"No tiene acceso" in response.content
