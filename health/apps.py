from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = _("Hospital notices")

    def ready(self) -> None:
        from cases.documents import RECEIPT_DOCUMENTS
        from health.selectors import receipt_documents

        # The receipt of a dossier filed from a notice lists the notice (issue 26 §4).
        if receipt_documents not in RECEIPT_DOCUMENTS:
            RECEIPT_DOCUMENTS.append(receipt_documents)
