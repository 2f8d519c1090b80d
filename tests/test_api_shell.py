"""The API shell: authentication, one error format with stable codes, pagination, schema and docs."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import Account


@pytest.fixture
def api(org):
    client = APIClient()
    client.force_authenticate(org.rep)
    return client


def test_token_authentication_reaches_the_api(org):
    token = Token.objects.create(user=org.rep)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": org.rep.pk,
        "username": "rep",
        "display_name": str(org.rep),
        "roles": ["rep"],
        "teams": ["A 组"],
        "rep_level": "",
        "region": "",
    }


def test_a_wrong_token_is_refused_with_a_code(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_no_credentials_answer_401_with_a_code(db):
    response = APIClient().get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }
    }


def test_invalid_input_names_each_field_and_writes_nothing(api):
    before = Account.objects.count()

    response = api.post("/api/v1/accounts/", {"name": "   ", "size": "gigantic"}, format="json")

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"name", "size"}
    assert Account.objects.count() == before


def test_create_goes_through_the_service_and_is_owned_by_the_caller(api, org):
    response = api.post("/api/v1/accounts/", {"name": " 厦门鹭岛软件有限公司 ", "region": "south"}, format="json")

    assert response.status_code == 201
    account = Account.objects.get(pk=response.json()["id"])
    assert (account.name, account.owner, account.region) == ("厦门鹭岛软件有限公司", org.rep, "south")


def test_malformed_json_is_a_parse_error(api):
    response = api.post("/api/v1/accounts/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_method_not_allowed_has_a_code(api):
    response = api.delete("/api/v1/me/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_pagination_pages_and_bounds_page_size(api, org):
    Account.objects.bulk_create([Account(name=f"客户{i:02d}", owner=org.rep) for i in range(30)])

    first = api.get("/api/v1/accounts/").json()
    sized = api.get("/api/v1/accounts/?page_size=500").json()
    beyond = api.get("/api/v1/accounts/?page=99")

    assert (first["count"], len(first["results"]), first["previous"]) == (30, 25, None)
    assert first["next"].endswith("/api/v1/accounts/?page=2")
    assert len(sized["results"]) == 30  # capped at 200, all 30 fit
    assert beyond.status_code == 404
    assert beyond.json()["error"]["code"] == "not_found"


def test_schema_and_docs_are_served_without_a_cdn(api):
    schema = api.get("/api/schema/?format=json")
    docs = api.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/accounts/", "/api/v1/accounts/{id}/", "/api/v1/me/"} <= set(paths)
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "openapi: 3.0.3" in target.read_text()
