"""The dossier fixtures of tests/cases, for the citizen's pages."""

from tests.cases.conftest import _fresh_rules_and_in_process_tasks, officer  # noqa: F401
