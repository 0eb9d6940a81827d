import pytest

from agencies.choices import UserRole
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration, officer  # noqa: F401


@pytest.fixture
def partner(make_user):
    """The integration client that files the hand-made dossiers."""
    return make_user(UserRole.INTEGRATION, username="partner")
