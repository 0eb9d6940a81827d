from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration, officer  # noqa: F401
