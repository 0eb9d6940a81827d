"""The development identity provider: a real OpenID Connect provider (django-oauth-toolkit) that
stands for the national portal's e-ID sign-on on this machine. `make run` and the tests start it
as its own process (`python -m django runserver 127.0.0.1:8001 --settings=idp.settings`); the
portal talks to it only over HTTP, as it would to the real one. Never deployed.

Its citizens (idp.models.Citizen) carry the claims the portal reads from the ID token: the
personal ID number, the name, the birth date and the e-ID assurance level (`acr`).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("IDP_STATE_DIR", BASE_DIR / "var" / "idp"))
STATE_DIR.mkdir(parents=True, exist_ok=True)


def _signing_key(path: Path) -> str:
    """The provider's RSA key (PEM), made once per state directory."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    return path.read_text()


SECRET_KEY = os.environ.get("IDP_SECRET_KEY", "development-identity-provider-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "idp"]
ROOT_URLCONF = "idp.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "idp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE_DIR / "idp.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "vi"
LOGIN_URL = "/accounts/login/"
# Cookies are not kept apart by port: with the portal on the same host, distinct names keep the
# provider's session from overwriting the portal's (and its OIDC state) during a sign-in.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _signing_key(STATE_DIR / "signing-key.pem"),
    "OIDC_ISS_ENDPOINT": os.environ.get("IDP_ISSUER", ""),  # "" derives it from the request
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": "Họ tên, ngày sinh, số định danh"},
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "idp.oidc.CitizenValidator",
    # A negative lifetime issues tokens already expired: the tests' "expired token" provider.
    "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("IDP_ID_TOKEN_EXPIRE_SECONDS", "300")),
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
}
