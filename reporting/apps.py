from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from agencies.services import REFERENCE_LOADERS
        from cases.services.outbox import TOPIC_HANDLERS
        from reporting import (
            lookups,  # noqa: F401  (registers the `__any` lookup the reports filter with)
            schedules,
        )
        from reporting.reference import reporting_reference_seed

        TOPIC_HANDLERS[schedules.TOPIC] = schedules.report_email_send
        if reporting_reference_seed not in REFERENCE_LOADERS:  # after the engine's: targets per unit
            REFERENCE_LOADERS.append(reporting_reference_seed)
