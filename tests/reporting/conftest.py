import pytest

from agencies.choices import UserRole
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration, officer  # noqa: F401


@pytest.fixture
def partner(make_user):
    """The integration client that files the hand-made dossiers."""
    return make_user(UserRole.INTEGRATION, username="partner")


@pytest.fixture
def province_staff(client, make_user):
    """Provincial staff of Nghệ An, signed in on `client`."""
    user = make_user(UserRole.PROVINCIAL, username="province")
    client.force_login(user)
    return user
