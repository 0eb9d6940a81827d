from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = _("Hospital notices")

    def ready(self) -> None:
        from cases.documents import RECEIPT_DOCUMENTS
        from cases.services.filing import FILING_SOURCES
        from health.selectors import receipt_documents
        from health.services import NoticeSource

        # A dossier may cite a hospital's notice: checked and linked when it is filed.
        if not any(isinstance(source, NoticeSource) for source in FILING_SOURCES):
            FILING_SOURCES.append(NoticeSource())

        # The receipt of a dossier filed from a notice lists the notice (issue 26 §4).
        if receipt_documents not in RECEIPT_DOCUMENTS:
            RECEIPT_DOCUMENTS.append(receipt_documents)
