"""Issue 11 §3 and §5: `check --deploy` with a production environment gives no warning; outside
DEBUG plain HTTP is redirected to HTTPS (not the health check) and HTTPS answers carry HSTS."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import Client, override_settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.gov.vn",
    "PUBLIC_BASE_URL": "https://portal.example.gov.vn",
    "DATABASE_URL": "postgres://lienthong@db.example.gov.vn:5432/lienthong",  # not reached by the checks
    "CELERY_BROKER_URL": "redis://redis.example.gov.vn:6379/0",
    "SIGNING_TSA_URL": "https://tsa.example.gov.vn/tsa",
}


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **environment}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_with_a_production_environment_gives_no_warning():
    result = check_deploy(PRODUCTION)
    # One check silenced on purpose, with why (portal/settings.py): django-axes' axes.W006, since
    # the per-address limit is the sign-in guard's own ceiling (issue 28 §3).
    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (1 silenced).")


def test_no_timestamp_authority_is_reported_by_check_deploy():
    result = check_deploy({name: value for name, value in PRODUCTION.items() if name != "SIGNING_TSA_URL"})
    assert result.returncode == 1
    assert "signing.E001" in result.stderr


def test_turning_the_https_settings_off_is_reported_by_check_deploy():
    result = check_deploy({**PRODUCTION, "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0"})
    assert result.returncode == 1
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(db):
    client = Client()
    page = client.get("/accounts/login/")
    assert (page.status_code, page["Location"]) == (301, "https://testserver/accounts/login/")
    assert client.get("/healthz").status_code == 200
    behind_the_proxy = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert behind_the_proxy.status_code == 200
    assert behind_the_proxy["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
