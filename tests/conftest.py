import datetime

import pytest
from django.core.management import call_command

from agencies.choices import UserRole
from agencies.models import User
from agencies.selectors import office_for_role, unit_get_on

pytest_plugins = ["tests.chromium"]  # the one headless Chromium of the browser tests

D2024 = datetime.date(2024, 5, 1)
D2026 = datetime.date(2026, 5, 1)


def pytest_configure(config):
    """No redirect to HTTPS (below). No local beat in the test process, even where something
    imports portal.wsgi (a server started in a test): a thread running the schedule against the
    test database at its own times would change what the tests count. The beat's own tests drive LocalBeat directly."""
    import os

    from django.conf import settings

    settings.LOCAL_BEAT = False
    settings.LOCAL_WORKER = False  # tasks run in the request, so a test sees their result at once
    # The test client and the live server speak plain HTTP: outside DEBUG the portal would answer
    # every request with a redirect to HTTPS. Servers the tests start inherit the environment.
    settings.SECURE_SSL_REDIRECT = False
    os.environ["SECURE_SSL_REDIRECT"] = "false"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file (under var/), not Django's shared-cache in-memory
    database, whose table locks behave unlike a real SQLite file: the race of two officers on one
    step must contend the way it does under `make run`."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        (settings.BASE_DIR / "var").mkdir(exist_ok=True)
        database.setdefault("TEST", {})["NAME"] = str(settings.BASE_DIR / "var" / "test-db.sqlite3")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the reference data the portal ships with, loaded once."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def make_user(db):
    """A user of a role, attached to what that role needs, with the password 'pw'."""

    def make(role: str, *, commune: str = "16690", agency_role: str = "civil_status", on=D2026, **fields) -> User:
        attachment: dict[str, object] = {}
        if role == UserRole.CLERK:
            attachment["commune"] = unit_get_on(code=commune, on=on)
        elif role == UserRole.OFFICER:
            attachment["office"] = office_for_role(role=agency_role, commune_code=commune, on=on)
        elif role == UserRole.PROVINCIAL:
            attachment["province"] = unit_get_on(code="40", on=on)
        user = User(
            username=fields.pop("username", f"{role}-{commune}-{agency_role}"), role=role, **attachment, **fields
        )
        user.set_password("pw")
        user.save()
        return user

    return make


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Production serves hashed files from collectstatic's manifest; tests read them from static/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashes with PBKDF2 at a million rounds; tests need the check, not the cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Reports are cached per summary refresh, units and offices per process: a test starts with
    none from another test."""
    from django.core.cache import cache

    from agencies.selectors import routing_cache_clear

    cache.clear()
    routing_cache_clear()


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI (tests/peers/pki.py) as a process, started once for the tests that ask for it,
    with a PKCS#12 file of each holder's key (passphrase "pw") in its keys-p12/ folder and its
    root in trust/."""
    from tests.faults.harness import free_port
    from tests.peers.pki import HOLDERS, start_test_pki

    served = start_test_pki(tmp_path_factory.mktemp("pki"), free_port())
    for label in [*HOLDERS, "stranger"]:
        served.pkcs12(label, "pw", served.directory / "keys-p12" / f"{label}.p12")
    (served.directory / "trust").mkdir()
    (served.directory / "trust" / "root.pem").write_bytes(served.root_pem())
    yield served
    served.stop()


@pytest.fixture
def signing(pki, settings, tmp_path):
    """The portal signs with the test PKI (its timestamp authority; its root the one trusted), B-T, and
    keeps the signed files under the test's folder. Returns sign_with(**holder): registers the
    test office's certificate for a People's Committee (unit=) or an office (office=), the test
    officer's for a person (user=)."""
    from signing.services import signing_key_register

    settings.SIGNING_TSA_URL = pki.tsa_url
    settings.SIGNING_KEY_DIR = pki.directory / "keys-p12"
    settings.SIGNING_PKCS12_PASSPHRASE = "pw"
    settings.SIGNING_TRUST_DIR = pki.directory / "trust"
    settings.MEDIA_ROOT = tmp_path / "media"
    # B-T: many tests run on a clock set in the past, where the revocation answers the test PKI
    # gives today are not valid yet; tests/signing signs B-LT on the real clock.
    settings.SIGNING_LONG_TERM = False

    def sign_with(label: str = "", **holder):
        return signing_key_register(reference=f"{label or ('officer' if 'user' in holder else 'office')}.p12", **holder)

    # The signing task runs in-process, as the transaction's on-commit work, even where a broker is
    # configured (CI): no worker consumes the signing queue in these tests.
    from portal.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield sign_with
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def smtp_server(tmp_path, settings):
    """aiosmtpd as a real SMTP server process, keeping every message in a maildir; returns a function
    that reads the messages received."""
    import email
    import mailbox
    import sys

    from tests.faults.harness import free_port
    from tests.peers import start_process

    port, box = free_port(), tmp_path / "maildir"
    command = [
        sys.executable,
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{port}",
        "-c",
        "aiosmtpd.handlers.Mailbox",
        str(box),
    ]
    process = start_process(command, port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield lambda: [email.message_from_bytes(bytes(m)) for m in mailbox.Maildir(box, create=False)]
    process.kill()
    process.wait()
