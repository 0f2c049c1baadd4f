"""Security and reliability of the base: login throttling, CSP and headers, production checks, SQLite mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "JIEDAI_ENV": "production",
    "SECRET_KEY": "x" * 64 + "-production-test-secret-with-enough-entropy",
    "ALLOWED_HOSTS": "jiedai.example.com",
    "DATABASE_URL": "sqlite:////tmp/jiedai-check-deploy.sqlite3",
}


def run_manage(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if k not in {"JIEDAI_ENV", "DJANGO_SETTINGS_MODULE"}}
    full_env.update(env or {})
    full_env["DJANGO_SETTINGS_MODULE"] = "jiedai.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_settings_are_secure_by_default():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_HTTPONLY]))"
    )
    result = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, True, True, True, True, True]


@pytest.mark.django_db
def test_pages_carry_a_nonce_csp_without_unsafe_inline(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client, people, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "sales_rep", "password": "wrong"})
    locked = client.post(url, {"username": "sales_rep", "password": "jiedai-demo"})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Another person from the same address is not locked out by someone else's failures.
    other = client.post(url, {"username": "sales_head", "password": "jiedai-demo"})
    assert other.status_code == 302


@pytest.mark.django_db
def test_login_with_the_right_password_lands_on_home(client, people):
    response = client.post(reverse("login"), {"username": "sales_rep", "password": "jiedai-demo"})
    assert response.status_code == 302 and response.url == reverse("home")


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}


@pytest.mark.django_db
def test_database_optimize_runs_on_sqlite_and_skips_elsewhere():
    from jiedai.core.tasks import database_optimize

    assert database_optimize() == ("optimized" if connection.vendor == "sqlite" else "skipped")


def test_collectstatic_works_with_the_production_storage(tmp_path):
    """The manifest storage fails on any file a stylesheet names but the repository lacks (e.g. a font)."""
    result = run_manage("collectstatic", "--noinput", env={**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()
