from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from cases.services.outbox import TOPIC_HANDLERS
        from reporting import (
            lookups,  # noqa: F401  (registers the `__any` lookup the reports filter with)
            schedules,
        )

        TOPIC_HANDLERS[schedules.TOPIC] = schedules.report_email_send
