"""/api/v1/auth/token, /api/v1/me, the API's docs and the error shape of what no endpoint handles."""

import hashlib

import pytest
from django.test import Client

from jiedai.org.demo import DEMO_PASSWORD
from jiedai.org.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def is_error(response, status) -> bool:
    return (
        response.status_code == status
        and response["Content-Type"].startswith("application/json")
        and set(response.json()) == {"detail", "errors"}
        and isinstance(response.json()["detail"], str)
    )


def obtain(username, password, **extra):
    return Client().post(TOKEN, {"username": username, "password": password, **extra}, content_type="application/json")


def test_a_good_password_gives_a_token_that_works(people):
    response = obtain("sales_rep", DEMO_PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    assert list(response.json()) == ["token"] and len(token) >= 32
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json() == {"username": "sales_rep", "name": "王小明", "department": "sales", "roles": []}


def test_the_token_is_stored_hashed(people):
    token = obtain("sales_rep", DEMO_PASSWORD).json()["token"]
    row = ApiToken.objects.get(user=people["sales_rep"])
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values_list("key_hash", "user_id", "created_at", "last_used_at")]
    assert not any(token in value for value in stored)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("sales_rep", "wrong-password"),
        ("nobody", DEMO_PASSWORD),
        ("", ""),
        ("sales\x00rep", DEMO_PASSWORD),
        ("sales_rep", "x\x00"),
        ("u" * 1000, DEMO_PASSWORD),
    ],
)
def test_bad_credentials_are_401(people, username, password):
    response = obtain(username, password)
    assert is_error(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(people):
    people["sales_rep"].is_active = False
    people["sales_rep"].save()
    assert is_error(obtain("sales_rep", DEMO_PASSWORD), 401)


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "[]",
        '{"username": 1, "password": 2}',
        '{"username": "sales_rep"}',
        '{"username": "a", "password": "b", "x": 1}',
    ],
)
def test_a_malformed_token_request_is_4xx(people, body):
    response = Client().post(TOKEN, body, content_type="application/json")
    assert response.status_code in (400, 422) and is_error(response, response.status_code)


def test_repeated_failures_lock_out_in_our_shape(people, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert obtain("sales_rep", "wrong-password").status_code in (401, 429)
    locked = obtain("sales_rep", DEMO_PASSWORD)
    assert is_error(locked, 429)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer ", "Token abc", "Bearer " + "x" * 500, "Basic Zm9vOmJhcg=="]
)
def test_garbage_tokens_are_401(people, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/me")
    assert is_error(response, 401)


def test_no_token_is_401(people):
    assert is_error(Client().get("/api/v1/me"), 401)


def test_a_token_of_a_deactivated_user_stops_working(people):
    client = Client(headers={"Authorization": f"Bearer {ApiToken.issue(people['gm'])}"})
    assert client.get("/api/v1/me").json()["roles"] == ["department_head", "general_manager", "supervising_leader"]
    people["gm"].is_active = False
    people["gm"].save()
    assert is_error(client.get("/api/v1/me"), 401)


def test_me_lists_department_roles(people):
    client = Client(headers={"Authorization": f"Bearer {ApiToken.issue(people['fin_clerk'])}"})
    assert client.get("/api/v1/me").json() == {
        "username": "fin_clerk",
        "name": "孙丽",
        "department": "finance",
        "roles": ["finance"],
    }


def test_the_docs_are_served_without_a_cdn():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn." not in html and "https://" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    for path in (
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
        "/static/ninja/swagger-ui.css",
    ):
        assert Client().get(path).status_code == 200, path


def test_the_openapi_schema():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/receptions",
        "/api/v1/receptions/{reception_id}",
        "/api/v1/receptions/{reception_id}/submit",
        "/api/v1/receptions/{reception_id}/withdraw",
        "/api/v1/approvals/tasks",
        "/api/v1/approvals/tasks/{task_id}/decide",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/receptions/{reception_id}"]) == {"get", "patch"}
    assert "ErrorOut" in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["ReceptionIn"]["additionalProperties"] is False


def test_an_unknown_post_is_a_json_404_not_a_csrf_page():
    assert is_error(Client(enforce_csrf_checks=True).post("/api/v1/nope", {}), 404)


def test_a_token_can_be_revoked_and_expires(client, people):
    from datetime import timedelta

    from django.utils import timezone

    from jiedai.org.models import ApiToken

    raw = ApiToken.issue(people["sales_rep"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    assert client.delete("/api/v1/auth/token", **auth).status_code == 204
    assert client.get("/api/v1/me", **auth).status_code == 401
    raw = ApiToken.issue(people["sales_rep"])
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
