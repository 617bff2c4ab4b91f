from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_served_without_signing_in(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Equity Hub API"


def test_the_schema_lists_the_people_endpoints_and_their_methods(schema):
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/people"])
    assert {"get", "patch"} <= set(paths["/api/v1/people/{person_id}"])
    assert "get" in paths["/api/v1/people/{person_id}/demographics"]


def test_the_schema_documents_the_answers_of_each_endpoint(schema):
    paths = schema["paths"]
    assert {"200", "403", "422"} <= set(paths["/api/v1/people"]["get"]["responses"])
    assert {"201", "403", "409", "422"} <= set(paths["/api/v1/people"]["post"]["responses"])
    by_id = paths["/api/v1/people/{person_id}"]
    assert {"200", "404"} <= set(by_id["get"]["responses"])
    assert {"200", "403", "404", "409", "422"} <= set(by_id["patch"]["responses"])
    error = schema["components"]["schemas"]["ErrorOut"]
    assert {"detail", "field", "code"} <= set(error["properties"])


def test_the_schema_names_the_bearer_token_scheme(schema):
    schemes = schema["components"]["securitySchemes"]
    bearer = [s for s in schemes.values() if s.get("scheme") == "bearer"]
    assert bearer
    assert bearer[0]["type"] == "http"
    people = schema["paths"]["/api/v1/people"]["get"]
    assert any("BearerToken" in requirement for requirement in people["security"])


def test_person_out_has_no_demographic_fields(schema):
    person = schema["components"]["schemas"]["PersonOut"]["properties"]
    assert not {"race_ethnicity", "gender_identity", "demographics"} & set(person)


def test_a_change_forbids_unknown_fields_in_the_schema(schema):
    assert schema["components"]["schemas"]["PersonPatch"]["additionalProperties"] is False


def test_the_list_documents_its_pagination_and_filters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/people"]["get"]["parameters"]}
    assert {"limit", "offset", "q", "organization_id", "training_level", "language"} <= parameters
    assert {"age_group"} <= parameters
